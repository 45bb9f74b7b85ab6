// The MAC80211_HWSIM generic netlink family: create and destroy simulated radios at run time.
// The agent's injecting radios are created here with DESTROY_RADIO_ON_CLOSE, so the kernel removes
// them when this socket closes, even if the agent is killed: nothing is left behind.

import { createGenericNetlink, type GenericNetlinkSocket, genl } from "netlink";

export const HWSIM_FAMILY = "MAC80211_HWSIM";

/** hwsim generic netlink commands (include/uapi/... drivers/net/wireless/mac80211_hwsim.h). */
export const HwsimCommand = { NEW_RADIO: 4, DEL_RADIO: 5, GET_RADIO: 6 } as const;

/** hwsim generic netlink attributes the agent uses. */
export const HwsimAttr = {
  CHANNELS: 9,
  RADIO_ID: 10,
  DESTROY_RADIO_ON_CLOSE: 16,
  RADIO_NAME: 17,
  NO_VIF: 18,
  PERM_ADDR: 22,
} as const;

const NLMSG_ERROR = 2;
const NLA_HEADER = 4;

export interface NewRadioRequest {
  /** wiphy name the kernel gives the radio (e.g. "wtphy2437"). */
  readonly name: string;
  /** Permanent MAC address (6 bytes). */
  readonly permAddr: Buffer;
}

function attribute(type: number, payload: Buffer): Buffer {
  const length = NLA_HEADER + payload.length;
  const out = Buffer.alloc((length + 3) & ~3);
  out.writeUInt16LE(length, 0);
  out.writeUInt16LE(type, 2);
  payload.copy(out, NLA_HEADER);
  return out;
}

/** Encode the attributes of a NEW_RADIO request: no default interface, gone when our socket closes. */
export function encodeNewRadio(request: NewRadioRequest): Buffer {
  return Buffer.concat([
    attribute(HwsimAttr.RADIO_NAME, Buffer.from(`${request.name}\0`, "latin1")),
    attribute(HwsimAttr.PERM_ADDR, request.permAddr),
    attribute(HwsimAttr.NO_VIF, Buffer.alloc(0)),
    attribute(HwsimAttr.DESTROY_RADIO_ON_CLOSE, Buffer.alloc(0)),
  ]);
}

export class HwsimUnavailableError extends Error {}

/** A handle on the hwsim family; every radio it creates lives exactly as long as this object. */
export class HwsimRadios {
  private constructor(
    private readonly socket: GenericNetlinkSocket,
    private readonly familyId: number,
    private readonly version: number,
  ) {}

  static async open(): Promise<HwsimRadios> {
    const socket = createGenericNetlink();
    try {
      const [family] = await socket.ctrlRequest(genl.Commands.GET_FAMILY, { familyName: HWSIM_FAMILY });
      if (!family?.familyId) throw new Error("no family id in reply");
      return new HwsimRadios(socket, family.familyId, family.version ?? 1);
    } catch (error) {
      socket.socket.close();
      throw new HwsimUnavailableError(
        `the ${HWSIM_FAMILY} generic netlink family is not available (${String(error)}): load the driver with 'modprobe mac80211_hwsim radios=1'`,
      );
    }
  }

  /** Create a radio; resolves with its hwsim radio id. */
  async newRadio(request: NewRadioRequest): Promise<number> {
    // hwsim answers NEW_RADIO with the new radio's id in the netlink ACK's error field (a positive
    // number), which the library would report as a failure, so the ACK is read here.
    const header = Buffer.from([HwsimCommand.NEW_RADIO, this.version, 0, 0]);
    const [replies] = await this.socket.socket.request(this.familyId, [header, encodeNewRadio(request)], {
      checkError: false,
      timeout: 5000,
    });
    const ack = replies.find((message) => message.type === NLMSG_ERROR);
    if (!ack || ack.data.length < 4) throw new Error(`${HWSIM_FAMILY} NEW_RADIO: no acknowledgement`);
    const code = ack.data.readInt32LE(0);
    if (code < 0) throw new Error(`${HWSIM_FAMILY} NEW_RADIO ${request.name} failed: errno ${-code}`);
    return code;
  }

  /** Closing the socket makes the kernel destroy every radio created through it. */
  close(): void {
    this.socket.socket.close();
  }
}
