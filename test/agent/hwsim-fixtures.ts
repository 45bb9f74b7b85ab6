// What the hwsim medium's unit tests share: a quiet logger and a medium over recording radios.

import { HwsimMedium } from "../../src/agent/hwsim-medium.js";
import { createLogger } from "../../src/log.js";
import { RecordingRadios } from "../../src/os/doubles/recording-radios.js";
import type { GuestInterface } from "../../src/os/radios/backend.js";

export const quiet = createLogger({ level: "error", write: () => {} });

/** A hwsim medium over recording radios with no capture, told the guest is `guest`. */
export async function silentMedium(guest: GuestInterface, now?: () => number) {
  const radios = new RecordingRadios([guest]);
  const hwsim = new HwsimMedium({
    captureIface: "hwsim0",
    source: { start: () => {}, close: () => {} },
    backend: radios,
    log: quiet,
    pollGuest: false,
    ...(now ? { now } : {}),
  });
  await hwsim.start(() => {});
  hwsim.setGuestInterfaces([guest]);
  return { hwsim, radios };
}
