// A SystemProbe from plain values, for the doctor's unit tests (the real one: src/os/system/probe.ts).

import type { RadioInterfaceInfo, SystemProbe } from "../system/probe.js";
import type { SocketBufferLimits } from "../system/socket-buffers.js";

export interface FakeSystem {
  readonly release?: string;
  readonly loaded?: readonly string[];
  readonly available?: readonly string[];
  /** Interface name → MTU. */
  readonly interfaces?: Readonly<Record<string, number>>;
  readonly radios?: readonly RadioInterfaceInfo[];
  readonly uid?: number;
  readonly capabilities?: bigint | null;
  /** net.core.rmem_max / wmem_max (default: 4 MiB each, what the agent asks for). */
  readonly bufferLimits?: SocketBufferLimits | null;
  /** Address → interface. */
  readonly routes?: Readonly<Record<string, string>>;
  readonly country?: string | null;
}

export function fakeSystem(fake: FakeSystem): SystemProbe {
  return {
    kernelRelease: () => fake.release ?? "6.1.0-test",
    moduleLoaded: (name) => fake.loaded?.includes(name) ?? false,
    moduleAvailable: (name) => (fake.available ?? fake.loaded ?? []).includes(name),
    interfaceExists: (ifname) => fake.interfaces?.[ifname] !== undefined,
    interfaceMtu: (ifname) => fake.interfaces?.[ifname] ?? null,
    radioInterfaces: () => [...(fake.radios ?? [])],
    effectiveUid: () => fake.uid ?? 0,
    effectiveCapabilities: () => (fake.capabilities === undefined ? 0x3fn << 10n : fake.capabilities),
    socketBufferLimits: () =>
      fake.bufferLimits === undefined ? { rmemMax: 4194304, wmemMax: 4194304 } : fake.bufferLimits,
    routeDevice: async (address) => fake.routes?.[address] ?? null,
    regulatoryCountry: async () => (fake.country === undefined ? "DE" : fake.country),
  };
}
