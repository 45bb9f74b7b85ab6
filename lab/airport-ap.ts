// An access point on the guest side of an airport hub, for the lab: what a virtio-mac80211 guest
// running hostapd (open network) puts on the air while nobody associates. It joins a hub as QEMU's
// airport netdev does (QemuAirportClient), beacons every 102.4 ms and answers probe requests for
// its SSID or the wildcard SSID with probe responses. Debian's QEMU has no airport netdev, so this is
// how frames "enter through an airport port" on this machine.

import { HeaderLength, ManagementFc0 } from "../src/ieee80211/constants.js";
import { encodeThreeAddressHeader } from "../src/ieee80211/header.js";
import { formatMac, type MacAddress, readMac } from "../src/ieee80211/mac.js";
import { QemuAirportClient } from "./qemu-airport-client.js";

export interface AirportAccessPointOptions {
  readonly socketPath: string;
  readonly hubId: number;
  readonly ssid: string;
  readonly bssid: MacAddress;
  /** The 2.4 GHz channel number announced in the DS Parameter Set (6 = 2437 MHz). */
  readonly channel: number;
  /** Beacon interval in time units of 1024 µs (default 100). */
  readonly beaconIntervalTu?: number;
}

const BROADCAST_ADDRESS: MacAddress = 0xffff_ffff_ffff;
const MANAGEMENT_HEADER_BYTES = HeaderLength.threeAddress;
const ELEMENT_SSID = 0;

/** Frame control byte 0 of a management frame with this subtype. */
function isManagement(frame: Buffer, subtype: number): boolean {
  return frame.length >= MANAGEMENT_HEADER_BYTES && frame[0] === subtype;
}

/** The SSID element of a probe request: null if it has none, "" for the wildcard. */
function probedSsid(request: Buffer): string | null {
  for (let at = MANAGEMENT_HEADER_BYTES; at + 2 <= request.length; at += 2 + request[at + 1]) {
    if (request[at] === ELEMENT_SSID) return request.toString("latin1", at + 2, at + 2 + request[at + 1]);
  }
  return null;
}

/** Timestamp, beacon interval, capabilities (ESS, short slot time) and the elements of an open BSS. */
function beaconBody(options: AirportAccessPointOptions, tsfMicros: bigint, withTim: boolean): Buffer {
  const fixed = Buffer.alloc(12);
  fixed.writeBigUInt64LE(tsfMicros, 0);
  fixed.writeUInt16LE(options.beaconIntervalTu ?? 100, 8);
  fixed.writeUInt16LE(0x0401, 10);
  const ssid = Buffer.from(options.ssid, "latin1");
  const elements = [
    Buffer.concat([Buffer.from([ELEMENT_SSID, ssid.length]), ssid]),
    // Supported rates: 1, 2, 5.5, 11 (basic) and 6, 9, 12, 18 Mbit/s.
    Buffer.from([1, 8, 0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24]),
    Buffer.from([3, 1, options.channel]),
    ...(withTim ? [Buffer.from([5, 4, 0, 1, 0, 0])] : []),
    // ERP (no protection needed) and the extended rates 24, 36, 48, 54 Mbit/s.
    Buffer.from([42, 1, 0]),
    Buffer.from([50, 4, 0x30, 0x48, 0x60, 0x6c]),
  ];
  return Buffer.concat([fixed, ...elements]);
}

function managementFrame(
  subtype: number,
  to: MacAddress,
  bssid: MacAddress,
  sequence: number,
  body: Buffer,
): Buffer {
  const header = encodeThreeAddressHeader({
    frameControl: subtype,
    addr1: to,
    addr2: bssid,
    addr3: bssid,
    sequence,
  });
  return Buffer.concat([header, body]);
}

export class AirportAccessPoint {
  beaconsSent = 0;
  probeResponsesSent = 0;
  /** Transmitter addresses of the probe requests heard, in order of first hearing. */
  readonly probeRequestsFrom: string[] = [];
  /** Every frame the hub handed this guest. */
  framesHeard = 0;

  private sequence = 0;
  private readonly startedAt = process.hrtime.bigint();
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly client: QemuAirportClient,
    private readonly options: AirportAccessPointOptions,
  ) {
    client.onFrame = (frame) => this.heard(frame);
    const intervalMs = ((options.beaconIntervalTu ?? 100) * 1024) / 1000;
    this.timer = setInterval(() => this.beacon(), intervalMs);
  }

  /** Joins the hub (rejects if the hub refuses a port) and starts beaconing. */
  static async start(options: AirportAccessPointOptions): Promise<AirportAccessPoint> {
    const client = await QemuAirportClient.connect(options.socketPath, options.hubId);
    if (!client.answered || client.portId < 0) {
      await client.close();
      throw new Error(`the airport hub at ${options.socketPath} gave no port (answer ${client.portId})`);
    }
    return new AirportAccessPoint(client, options);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.client.close();
  }

  private tsfMicros(): bigint {
    return (process.hrtime.bigint() - this.startedAt) / 1000n;
  }

  private beacon(): void {
    const body = beaconBody(this.options, this.tsfMicros(), true);
    this.client.sendFrame(
      managementFrame(ManagementFc0.beacon, BROADCAST_ADDRESS, this.options.bssid, this.sequence++, body),
    );
    this.beaconsSent++;
  }

  private heard(frame: Buffer): void {
    this.framesHeard++;
    if (!isManagement(frame, ManagementFc0.probeRequest)) return;
    const from = readMac(frame, 10);
    const name = formatMac(from);
    if (!this.probeRequestsFrom.includes(name)) this.probeRequestsFrom.push(name);
    const wanted = probedSsid(frame);
    if (wanted !== "" && wanted !== this.options.ssid) return;
    const body = beaconBody(this.options, this.tsfMicros(), false);
    this.client.sendFrame(
      managementFrame(ManagementFc0.probeResponse, from, this.options.bssid, this.sequence++, body),
    );
    this.probeResponsesSent++;
  }
}
