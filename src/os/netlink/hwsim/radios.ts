// The MAC80211_HWSIM generic netlink family: create and destroy simulated radios at run time.
// The agent's injecting radios are created here with DESTROY_RADIO_ON_CLOSE, so the kernel removes
// them when this socket closes, even if the agent is killed: nothing is left behind. The request's
// attributes are radio-wire.ts's.

import { createGenericNetlink, type GenericNetlinkSocket } from "netlink";
import { lookupFamily } from "../family.js";
import { NLMSG_ERROR } from "../messages.js";
import { HWSIM_FAMILY, HwsimCommand } from "./constants.js";
import { encodeNewRadio, type NewRadioRequest } from "./radio-wire.js";

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
    const family = await lookupFamily(socket, HWSIM_FAMILY).catch(() => null);
    if (family === null) {
      socket.socket.close();
      throw new HwsimUnavailableError(
        `the ${HWSIM_FAMILY} generic netlink family is not available: load the driver with 'modprobe mac80211_hwsim radios=1'`,
      );
    }
    return new HwsimRadios(socket, family.familyId, family.version);
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
