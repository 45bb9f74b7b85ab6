import { describe, expect, it } from "vitest";
import { readAttributes } from "../../../src/os/netlink/attributes.js";
import { HwsimAttr } from "../../../src/os/netlink/hwsim/constants.js";
import { encodeNewRadio } from "../../../src/os/netlink/hwsim/radio-wire.js";

describe("hwsim radio management", () => {
  it("encodes NEW_RADIO's attributes: name, address, no interface, gone with the socket", () => {
    const encoded = encodeNewRadio({ name: "wtphy2437", permAddr: Buffer.from("020000000900", "hex") });
    // name: 4 + 10 bytes, padded to 16; address: 4 + 6, padded to 12; two flags of 4.
    expect(encoded.length).toBe(16 + 12 + 4 + 4);
    const { values, problem } = readAttributes(encoded, 0, encoded.length);
    expect(problem).toBeNull();
    expect([...values.keys()]).toEqual([
      HwsimAttr.RADIO_NAME,
      HwsimAttr.PERM_ADDR,
      HwsimAttr.NO_VIF,
      HwsimAttr.DESTROY_RADIO_ON_CLOSE,
    ]);
    expect(values.get(HwsimAttr.RADIO_NAME)?.toString("latin1")).toBe("wtphy2437\0");
    expect(values.get(HwsimAttr.PERM_ADDR)?.toString("hex")).toBe("020000000900");
    expect(values.get(HwsimAttr.NO_VIF)?.length).toBe(0);
    expect(encoded.subarray(14, 16).toString("hex")).toBe("0000"); // the name's padding
  });
});
