// hwsim's radio management on the wire: the attributes of HWSIM_CMD_NEW_RADIO (pure; radios.ts
// sends them).

import { attributeLength, putBytes } from "../attributes.js";
import { HwsimAttr } from "./constants.js";

export interface NewRadioRequest {
  /** wiphy name the kernel gives the radio (e.g. "wtphy2437"). */
  readonly name: string;
  /** Permanent MAC address (6 bytes). */
  readonly permAddr: Buffer;
}

const NO_PAYLOAD = Buffer.alloc(0);

/** Encode the attributes of a NEW_RADIO request: no default interface, gone when our socket closes. */
export function encodeNewRadio(request: NewRadioRequest): Buffer {
  const name = Buffer.from(`${request.name}\0`, "latin1");
  const buf = Buffer.alloc(
    attributeLength(name.length) + attributeLength(request.permAddr.length) + 2 * attributeLength(0),
  );
  let offset = putBytes(buf, 0, HwsimAttr.RADIO_NAME, name);
  offset = putBytes(buf, offset, HwsimAttr.PERM_ADDR, request.permAddr);
  offset = putBytes(buf, offset, HwsimAttr.NO_VIF, NO_PAYLOAD);
  putBytes(buf, offset, HwsimAttr.DESTROY_RADIO_ON_CLOSE, NO_PAYLOAD);
  return buf;
}
