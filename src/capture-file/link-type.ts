// Link types name what the bytes of each captured record start with (tcpdump.org/linktypes.html).
// wifi-tunnel reads and writes two of them; the rest are named only so an error can say what a
// file holds instead of printing a bare number.

/** Plain 802.11 frames, MAC header first (DLT_IEEE802_11). */
export const LINKTYPE_IEEE802_11 = 105;
/** A radiotap header, then the 802.11 frame (DLT_IEEE802_11_RADIO): what hwsim0 delivers. */
export const LINKTYPE_IEEE802_11_RADIOTAP = 127;
export const LINKTYPE_ETHERNET = 1;

interface LinkTypeName {
  /** The libpcap DLT_ name without its prefix, as `tcpdump -L` prints it. */
  readonly dlt: string;
  readonly description: string;
}

const LINK_TYPE_NAMES: ReadonlyMap<number, LinkTypeName> = new Map([
  [0, { dlt: "NULL", description: "BSD loopback" }],
  [LINKTYPE_ETHERNET, { dlt: "EN10MB", description: "Ethernet" }],
  [101, { dlt: "RAW", description: "raw IP" }],
  [LINKTYPE_IEEE802_11, { dlt: "IEEE802_11", description: "802.11" }],
  [113, { dlt: "LINUX_SLL", description: "Linux cooked capture" }],
  [119, { dlt: "PRISM_HEADER", description: "802.11 with Prism header" }],
  [LINKTYPE_IEEE802_11_RADIOTAP, { dlt: "IEEE802_11_RADIO", description: "802.11 with radiotap header" }],
  [163, { dlt: "IEEE802_11_RADIO_AVS", description: "802.11 with AVS header" }],
  [192, { dlt: "PPI", description: "802.11 with PPI header" }],
  [228, { dlt: "IPV4", description: "raw IPv4" }],
  [229, { dlt: "IPV6", description: "raw IPv6" }],
  [276, { dlt: "LINUX_SLL2", description: "Linux cooked capture v2" }],
]);

/** "1 (EN10MB, Ethernet)" for known link types, "4242 (unknown)" for the rest. */
export function describeLinkType(linkType: number): string {
  const name = LINK_TYPE_NAMES.get(linkType);
  return name === undefined ? `${linkType} (unknown)` : `${linkType} (${name.dlt}, ${name.description})`;
}
