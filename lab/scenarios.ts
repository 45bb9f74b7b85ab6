// The lab's scenarios, each a guest script (lab/guest/) run in one or two VMs, with the results the
// script wrote to its share read back and checked for shape. Tests assert on these; they never
// parse guest output themselves.

import { spawn } from "node:child_process";
import { accessSync, constants, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AirportAccessPoint } from "./airport-ap.js";
import { makeEapCerts } from "./eap-certs.js";
import { checkoutDir, guestDir } from "./paths.js";
import {
  type BootOptions,
  EthernetSwitch,
  ethernetPair,
  freeUdpPort,
  HOST_LINK_HOST_IP,
  newRunDir,
  runVms,
  type VmResult,
} from "./vm.js";

/** A finished VM together with the results.json its guest script wrote (undefined if it wrote none). */
export interface ScenarioVm<Results> {
  readonly vm: VmResult;
  readonly results: Results | undefined;
}

export interface ScenarioOptions extends BootOptions {
  readonly timeoutMs?: number;
  /** Extra environment for the guest scripts (e.g. WIFI_TUNNEL_CMD, LAB_CAPTURE=1, LAB_XTRACE=1). */
  readonly env?: Readonly<Record<string, string>>;
}

const DEFAULT_TIMEOUT_MS = 300_000;

export interface EthernetSmokeResults {
  readonly ping_transmitted: number;
  readonly ping_received: number;
}

/** Two VMs, one hwsim radio each: both load hwsim, list their interfaces and ping each other on eth0. */
export async function runEthernetSmoke(
  options: ScenarioOptions = {},
): Promise<[ScenarioVm<EthernetSmokeResults>, ScenarioVm<EthernetSmokeResults>]> {
  const [first, second] = await ethernetPair();
  const script = join(guestDir, "hwsim-and-ethernet.sh");
  const [a, b] = await runVms(
    [
      { name: "vm1", script, radios: 1, ethernet: first, env: options.env },
      { name: "vm2", script, radios: 1, ethernet: second, env: options.env },
    ],
    { ...options, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
  );
  return [
    withResults<EthernetSmokeResults>(a, ETHERNET_SMOKE_FIELDS),
    withResults<EthernetSmokeResults>(b, ETHERNET_SMOKE_FIELDS),
  ];
}
const ETHERNET_SMOKE_FIELDS = { ping_transmitted: "number", ping_received: "number" } as const;

export interface EthernetIperfResults {
  /** iperf3 TCP over eth0 between the two VMs, as received by the server (null if it failed). */
  readonly bits_per_second: number | null;
}

/** Two VMs, iperf3 TCP over their Ethernet link alone: what the tunnel's carrier can do. */
export async function runEthernetIperf(
  options: ScenarioOptions = {},
): Promise<ScenarioVm<EthernetIperfResults>> {
  const [first, second] = await ethernetPair();
  const script = join(guestDir, "ethernet-iperf.sh");
  const [, client] = await runVms(
    [
      { name: "vm1", script, radios: 1, ethernet: first, env: options.env },
      { name: "vm2", script, radios: 1, ethernet: second, env: options.env },
    ],
    { ...options, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
  );
  return withResults<EthernetIperfResults>(client, { bits_per_second: "number|null" });
}

export interface LocalBaselineResults {
  /** wpa_supplicant start to wpa_state=COMPLETED (association and 4-way handshake). */
  readonly assoc_seconds: number;
  readonly ping_transmitted: number;
  readonly ping_received: number;
  /** iperf3 TCP, as received by the server. */
  readonly bits_per_second: number;
}

/**
 * One VM, two radios, no tunnel: hostapd and wpa_supplicant (in its own netns) on one machine.
 * With env LAB_CAPTURE=1 the share also gets hwsim0.pcap (association and pings).
 */
export async function runLocalBaseline(
  options: ScenarioOptions = {},
): Promise<ScenarioVm<LocalBaselineResults>> {
  const [vm] = await runVms(
    [{ name: "baseline", script: join(guestDir, "local-baseline.sh"), radios: 2, env: options.env }],
    { ...options, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
  );
  return withResults<LocalBaselineResults>(vm, LOCAL_BASELINE_FIELDS);
}
const LOCAL_BASELINE_FIELDS = {
  assoc_seconds: "number",
  ping_transmitted: "number",
  ping_received: "number",
  bits_per_second: "number",
} as const;

export interface KernelCiphersResults {
  readonly ccm_before: boolean;
  readonly cmac_before: boolean;
  readonly ccm_after: boolean;
  readonly cmac_after: boolean;
  /** `ip xfrm state` entries once the agent made the ciphers. */
  readonly xfrm_states: number;
  readonly agent_exit_code: number;
}

/** One VM, one radio, the agent alone (kernel-ciphers.sh): /proc/crypto before and after it starts. */
export async function runKernelCiphers(
  options: ScenarioOptions = {},
): Promise<ScenarioVm<KernelCiphersResults>> {
  const [vm] = await runVms(
    [{ name: "ciphers", script: join(guestDir, "kernel-ciphers.sh"), radios: 1, env: options.env }],
    { ...options, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
  );
  return withResults<KernelCiphersResults>(vm, {
    ccm_before: "boolean",
    cmac_before: "boolean",
    ccm_after: "boolean",
    cmac_after: "boolean",
    xfrm_states: "number",
    agent_exit_code: "number",
  });
}

export interface LocalManyResults {
  readonly stations: readonly {
    readonly assoc_seconds: number | null;
    readonly beacon_loss: number;
    readonly ping_transmitted: number;
    readonly ping_received: number;
  }[];
}

/**
 * One VM, an AP and `stations` stations on radios of one kernel, all started at once: the one-VM
 * baseline of a tunnel lab with as many VMs (local-many.sh).
 */
export async function runLocalMany(
  stations: number,
  options: ScenarioOptions = {},
): Promise<ScenarioVm<LocalManyResults>> {
  const [vm] = await runVms(
    [
      {
        name: `baseline${stations + 1}`,
        script: join(guestDir, "local-many.sh"),
        radios: stations + 1,
        env: { ...options.env, STATIONS: `${stations}` },
      },
    ],
    { ...options, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
  );
  const result = withResults<{ stations: unknown }>(vm, { stations: "object" });
  return result as ScenarioVm<LocalManyResults>;
}

export interface TunnelApResults {
  readonly start_order: string;
  readonly agent_started: boolean;
  /** From launching the agent to its "listening on UDP" line. */
  readonly agent_ready_seconds: number | null;
  /** Stations that finished (raised their flag) before the AP gave up waiting. */
  readonly stations_done: number;
  /** At least one station finished. */
  readonly station_done: boolean;
  /** hostapd's "authenticated" lines: one per station when nothing goes wrong. */
  readonly authentications: number;
  readonly agent_exit_code: number;
}

/** What a station script (tunnel-sta.sh, vwifi-sta.sh) measures, whatever carries the frames. */
export interface StationResults {
  readonly associated: boolean;
  /** wpa_supplicant start to wpa_state=COMPLETED. */
  readonly assoc_seconds: number | null;
  /** wpa_supplicant logged "WPA: Key negotiation completed". */
  readonly handshake_completed: boolean;
  readonly ping_transmitted: number;
  readonly ping_received: number;
  /** Pings to the other stations (10 each), through the AP. */
  readonly station_pings_sent: number;
  readonly station_pings_received: number;
  readonly bits_per_second: number | null;
  /** CTRL-EVENT-BEACON-LOSS lines in wpa_supplicant's log, from start to the end of the run. */
  readonly beacon_loss: number;
  /** The same, during the iperf3 run alone (null if it never ran). */
  readonly beacon_loss_iperf: number | null;
  /** CPU seconds of this VM's medium process (agent or vwifi-client) during iperf3 alone. */
  readonly medium_cpu_iperf_seconds: number | null;
  /** Bytes iperf3 sent (null if it never ran). */
  readonly iperf_bytes: number | null;
  /** Still wpa_state=COMPLETED at the end (after pings, iperf3 and the idle time). */
  readonly still_associated: boolean;
}

export interface TunnelStationResults extends StationResults {
  readonly start_order: string;
  readonly agent_started: boolean;
  readonly agent_ready_seconds: number | null;
  /** With env RESTART_AGENT: from the SIGKILL to associated and pinging the AP again. */
  readonly restart_seconds: number | null;
  /** `wifi-tunnel doctor`'s exit status with env LAB_DOCTOR=1 (doctor.txt has its lines), else null. */
  readonly doctor_exit: number | null;
  readonly agent_exit_code: number;
}

/** An AP's VM and its stations' VMs, each with the results its script wrote. */
export interface ApAndStations<Ap, Station> {
  readonly ap: ScenarioVm<Ap>;
  readonly stations: readonly ScenarioVm<Station>[];
}

export type TunnelLab = ApAndStations<TunnelApResults, TunnelStationResults>;

export interface TunnelPair {
  readonly ap: ScenarioVm<TunnelApResults>;
  readonly station: ScenarioVm<TunnelStationResults>;
}

export interface TunnelLabOptions extends ScenarioOptions {
  /** Stations besides the AP (default 1: two VMs). */
  readonly stations?: number;
}

/**
 * An AP and N stations, one VM each with one hwsim radio and an agent (WIFI_TUNNEL_CMD, default
 * `node <checkout>/dist/bundle/wifi-tunnel.cjs`, run with `--iface hwsim0` and one `--peer` per other VM): hostapd
 * in VM 10.0.0.1 (tunnel-ap.sh), wpa_supplicant in each other VM (tunnel-sta.sh). Everything in a VM
 * starts at once unless env START_ORDER=paced. Two VMs share a point-to-point link; more share the
 * lab's Ethernet switch. Each share also holds radios-before.txt and radios-after.txt (see
 * radioSnapshots) and agent.log.
 */
export async function runTunnelLab(options: TunnelLabOptions = {}): Promise<TunnelLab> {
  const [ap, stations] = await runApAndStations("tunnel", options.env ?? {}, options);
  return {
    ap: withResults<TunnelApResults>(ap, TUNNEL_AP_FIELDS),
    stations: stations.map((vm) => withResults<TunnelStationResults>(vm, TUNNEL_STATION_FIELDS)),
  };
}

/**
 * VM 10.0.0.1 runs lab/guest/KIND-ap.sh, every other one KIND-sta.sh (options.stations of them,
 * default 1), one hwsim radio each unless `radios` says otherwise: two VMs on a point-to-point
 * link, more on the lab's Ethernet switch.
 */
async function runApAndStations(
  kind: "tunnel" | "vwifi",
  env: Readonly<Record<string, string>>,
  options: TunnelLabOptions,
  radios = 1,
): Promise<[VmResult, VmResult[]]> {
  const stations = options.stations ?? 1;
  const ethernetSwitch = stations > 1 ? await EthernetSwitch.start(stations + 1) : null;
  const links = ethernetSwitch?.links ?? (await ethernetPair());
  const prefix = kind === "tunnel" ? "" : `${kind}-`;
  try {
    const [ap, ...rest] = await runVms(
      links.map((ethernet, i) => ({
        name: `${prefix}${i === 0 ? "ap" : stations === 1 ? "sta" : `sta${i}`}`,
        script: join(guestDir, `${kind}-${i === 0 ? "ap" : "sta"}.sh`),
        radios,
        ethernet,
        env,
      })),
      { ...options, timeoutMs: options.timeoutMs ?? 600_000 },
    );
    return [ap, rest];
  } finally {
    ethernetSwitch?.close();
  }
}

/** runTunnelLab with one station. */
export async function runTunnelPair(options: ScenarioOptions = {}): Promise<TunnelPair> {
  const lab = await runTunnelLab({ ...options, stations: 1 });
  return { ap: lab.ap, station: lab.stations[0] };
}

const TUNNEL_AP_FIELDS = {
  start_order: "string",
  agent_started: "boolean",
  agent_ready_seconds: "number|null",
  stations_done: "number",
  station_done: "boolean",
  authentications: "number",
  agent_exit_code: "number",
} as const;

const STATION_FIELDS = {
  associated: "boolean",
  assoc_seconds: "number|null",
  handshake_completed: "boolean",
  ping_transmitted: "number",
  ping_received: "number",
  station_pings_sent: "number",
  station_pings_received: "number",
  bits_per_second: "number|null",
  beacon_loss: "number",
  beacon_loss_iperf: "number|null",
  medium_cpu_iperf_seconds: "number|null",
  iperf_bytes: "number|null",
  still_associated: "boolean",
} as const;

const TUNNEL_STATION_FIELDS = {
  ...STATION_FIELDS,
  start_order: "string",
  agent_started: "boolean",
  agent_ready_seconds: "number|null",
  restart_seconds: "number|null",
  doctor_exit: "number|null",
  agent_exit_code: "number",
} as const;

/**
 * Where the vwifi binaries are (env VWIFI_DIR, built by scripts/build-vwifi.sh), or undefined if
 * vwifi-server or vwifi-client is missing there.
 */
export function vwifiDir(): string | undefined {
  const dir = process.env.VWIFI_DIR;
  if (dir === undefined || dir === "") return undefined;
  const runnable = (name: string) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  return runnable("vwifi-server") && runnable("vwifi-client") ? dir : undefined;
}

export interface VwifiApResults {
  /** From launching vwifi-client to its "Connection to Server Ok". */
  readonly client_ready_seconds: number | null;
  readonly stations_done: number;
  /** hostapd's "authenticated" lines: one per station when nothing goes wrong. */
  readonly authentications: number;
  readonly server_cpu_seconds: number | null;
  /** CPU seconds of this VM's vwifi-client. */
  readonly vwifi_cpu_seconds: number | null;
  readonly client_exit_code: number;
  readonly server_exit_code: number;
}

export interface VwifiStationResults extends StationResults {
  readonly client_ready_seconds: number | null;
  readonly vwifi_cpu_seconds: number | null;
  readonly client_exit_code: number;
}

export type VwifiLab = ApAndStations<VwifiApResults, VwifiStationResults>;

/**
 * The tunnel lab's AP and stations with vwifi (Raizo62/vwifi, binaries in `vwifiDir`) as the
 * medium instead of wifi-tunnel: vwifi-server and a vwifi-client beside hostapd in VM 10.0.0.1
 * (vwifi-ap.sh), a vwifi-client beside wpa_supplicant in each other VM (vwifi-sta.sh), hwsim loaded
 * with radios=0 in all (each client creates its VM's radio). Same Ethernet as runTunnelLab.
 */
export async function runVwifiLab(vwifiDirectory: string, options: TunnelLabOptions = {}): Promise<VwifiLab> {
  const env = { ...options.env, VWIFI_DIR: vwifiDirectory };
  const [ap, stations] = await runApAndStations("vwifi", env, options, 0);
  return {
    ap: withResults<VwifiApResults>(ap, VWIFI_AP_FIELDS),
    stations: stations.map((vm) => withResults<VwifiStationResults>(vm, VWIFI_STATION_FIELDS)),
  };
}

const VWIFI_AP_FIELDS = {
  client_ready_seconds: "number|null",
  stations_done: "number",
  authentications: "number",
  server_cpu_seconds: "number|null",
  vwifi_cpu_seconds: "number|null",
  client_exit_code: "number",
  server_exit_code: "number",
} as const;

const VWIFI_STATION_FIELDS = {
  ...STATION_FIELDS,
  client_ready_seconds: "number|null",
  vwifi_cpu_seconds: "number|null",
  client_exit_code: "number",
} as const;

/** The scenes of lab/guest/scenes.sh, in the order they run by default. */
export const WIFI_SCENES = [
  "5ghz",
  "chanswitch",
  "open",
  "lossy",
  "eap",
  "vht80",
  "iwd-wpa2",
  "iwd-wpa3",
] as const;
export type WifiScene = (typeof WIFI_SCENES)[number];

/** What the station measured in one scene (scenes.sh, scene_join / scene_ping_through_switch). */
export interface SceneResult {
  readonly scene: WifiScene;
  /** Where the station was associated at the end of the scene (null: not associated). */
  readonly freq_mhz: number | null;
  /** The width of the station's channel (`iw dev wlan0 info`); not in chanswitch and lossy. */
  readonly width_mhz?: number | null;
  /**
   * The station's tx bitrate (`iw dev wlan0 link`) after each of eight voice pings after iperf3, e.g.
   * "936.0 MBit/s VHT-MCS 5 80MHz VHT-NSS 4"; not in chanswitch and lossy.
   */
  readonly tx_bitrates?: readonly string[];
  /** Station daemon start to connected (wpa_state=COMPLETED, iwd "connected"); not in chanswitch. */
  readonly assoc_seconds?: number | null;
  readonly ping_transmitted: number;
  readonly ping_received: number;
  readonly bits_per_second?: number | null;
  /** CTRL-EVENT-BEACON-LOSS lines of wpa_supplicant during the scene; null with iwd. */
  readonly beacon_loss: number | null;
  /** chanswitch: pings 0.1 s apart from 2 s before the switch to 15 s after the first. */
  readonly pings_during?: number;
  readonly lost_during?: number;
  /** chanswitch: the longest run of unanswered pings (x 0.1 s: how long traffic stopped). */
  readonly longest_gap_pings?: number;
  /**
   * chanswitch: times the station lost its AP (then associated again on the new channel); lossy:
   * times it lost the AP during the scene (each costs an attempt).
   */
  readonly disconnects?: number;
  /** lossy: measurements made (a station that lost its AP during one measures again, 3 at most). */
  readonly attempts?: number;
  /**
   * lossy: the loss the station's agent had for the AP's peer during the 50 pings (status --json),
   * and after `set peer ... loss 0%`; ping_* are those 50 pings.
   */
  readonly loss_percent?: number | null;
  readonly loss_percent_after?: number | null;
  /**
   * lossy: 20 pings on the clean link before, and the station's tx counters for its AP during them.
   * Every lossy-scene ping is sent as voice (TOS 0xc0), outside any block-ack session.
   */
  readonly clean_ping_transmitted?: number;
  readonly clean_ping_received?: number;
  readonly clean_tx_packets?: number;
  readonly clean_tx_retries?: number;
  readonly clean_tx_failed?: number;
  /** lossy: the station's tx counters for its AP (`iw dev wlan0 station dump`) during the lossy pings. */
  readonly tx_packets?: number;
  readonly tx_retries?: number;
  readonly tx_failed?: number;
  /** lossy: the tries the station's agent lost toward the AP (its medium's link-tries-lost). */
  readonly link_tries_lost?: number | null;
  /** lossy: frames the station's agent lost on every try toward the AP (its medium's link-lost). */
  readonly link_lost?: number | null;
  /** lossy: the AP's frames the station's agent dropped on receipt (peers[].link.dropped): group frames. */
  readonly link_dropped?: number | null;
}

export interface ScenesStationResults {
  readonly scenes: readonly SceneResult[];
  readonly agent_started: boolean;
  readonly agent_exit_code: number;
}

export interface ScenesApResults {
  readonly agent_started: boolean;
  readonly scenes_served: number;
  readonly agent_exit_code: number;
}

export interface WifiScenes {
  readonly ap: ScenarioVm<ScenesApResults>;
  readonly station: ScenarioVm<ScenesStationResults>;
}

export interface ScenesOptions extends ScenarioOptions {
  /**
   * Which scenes, in order (default WIFI_SCENES; chanswitch needs 5ghz right before it, lossy
   * needs open; the one-VM baseline skips lossy).
   */
  readonly scenes?: readonly WifiScene[];
}

/** The scenes' environment: which scenes, and a fresh CA and server certificate for "eap". */
function scenesEnv(options: ScenesOptions): Record<string, string> {
  const certs = makeEapCerts(join(newRunDir("eap-certs"), "certs"));
  return { ...options.env, SCENES: (options.scenes ?? WIFI_SCENES).join(" "), EAP_CERTS: certs };
}

/**
 * Two VMs, one hwsim radio each and an agent in each: the scenes of scenes.sh one after the other,
 * hostapd in VM 10.0.0.1 (scenes-ap.sh), the station in VM 10.0.0.2 (scenes-sta.sh). One boot
 * serves every scene: 5 GHz, a channel switch, an open network, a lossy link, WPA2-Enterprise, an
 * 80 MHz VHT channel, iwd with WPA2 and WPA3.
 */
export async function runWifiScenes(options: ScenesOptions = {}): Promise<WifiScenes> {
  const env = scenesEnv(options);
  const [first, second] = await ethernetPair();
  const [ap, station] = await runVms(
    [
      { name: "scenes-ap", script: join(guestDir, "scenes-ap.sh"), radios: 1, ethernet: first, env },
      { name: "scenes-sta", script: join(guestDir, "scenes-sta.sh"), radios: 1, ethernet: second, env },
    ],
    { ...options, timeoutMs: options.timeoutMs ?? 900_000 },
  );
  return {
    ap: withResults<ScenesApResults>(ap, {
      agent_started: "boolean",
      scenes_served: "number",
      agent_exit_code: "number",
    }),
    station: withResults<ScenesStationResults>(station, {
      scenes: "object",
      agent_started: "boolean",
      agent_exit_code: "number",
    }),
  };
}

/** The same scenes in one VM with two radios and no tunnel (local-scenes.sh): the baseline. */
export async function runLocalScenes(
  options: ScenesOptions = {},
): Promise<ScenarioVm<{ readonly scenes: readonly SceneResult[] }>> {
  const env = scenesEnv(options);
  const [vm] = await runVms(
    [{ name: "scenes-local", script: join(guestDir, "local-scenes.sh"), radios: 2, env }],
    { ...options, timeoutMs: options.timeoutMs ?? 900_000 },
  );
  return withResults<{ scenes: readonly SceneResult[] }>(vm, { scenes: "object" });
}

/**
 * The mesh cases of lab/guest/mesh.sh: MESH_CASES run by default (and in the test); bench/mesh.ts
 * adds "sae-defaults", the SAE mesh with wpa_supplicant's default peering timers.
 */
export const MESH_CASES = ["open", "sae"] as const;
export type MeshCase = "open" | "sae" | "sae-defaults";

/** One node's view of another in one case (mesh.sh, mesh_measure). */
export interface MeshPair {
  /** The other node's number N (10.99.0.N, 02:00:00:77:00:0N). */
  readonly peer: number;
  /** From this node's launch (mesh join / wpa_supplicant start) to the peer's first ping answer. */
  readonly first_ping_seconds: number | null;
  /** Then 10 pings 0.2 s apart (0 sent if it never answered). */
  readonly ping_transmitted: number;
  readonly ping_received: number;
  /** Those pings' round trips (null without an answer). */
  readonly rtt_avg_ms: number | null;
  readonly rtt_max_ms: number | null;
}

/** What one node measured in one case. */
export interface MeshCaseResult {
  readonly case: MeshCase;
  readonly node: number;
  /** mesh0's address. */
  readonly address: string;
  readonly pairs: readonly MeshPair[];
  /** Peers whose link `iw dev mesh0 station dump` shows as ESTAB after the pings. */
  readonly estab_peers: readonly string[];
}

export interface MeshNodeResults {
  readonly node: number;
  readonly cases: readonly MeshCaseResult[];
  readonly agent_started: boolean;
  readonly agent_exit_code: number;
}

export interface MeshOptions extends ScenarioOptions {
  /** Which cases, in order (default MESH_CASES). */
  readonly cases?: readonly MeshCase[];
}

/**
 * Three VMs on the lab's switch, one hwsim radio and an agent each (with env AGENT_ARGS, if
 * given), each VM a node of an 802.11s mesh (mesh-node.sh): the open mesh (`iw mesh join`), then
 * wpa_supplicant's SAE mesh, in one boot. Every node pings every other. Shares hold
 * radios-before.txt / radios-after.txt, agent.log and the per-case files of mesh.sh.
 */
export async function runMeshLab(options: MeshOptions = {}): Promise<ScenarioVm<MeshNodeResults>[]> {
  const env = { ...options.env, MESH_CASES: (options.cases ?? MESH_CASES).join(" ") };
  const ethernetSwitch = await EthernetSwitch.start(3);
  try {
    const vms = await runVms(
      ethernetSwitch.links.map((ethernet, i) => ({
        name: `mesh${i + 1}`,
        script: join(guestDir, "mesh-node.sh"),
        radios: 1,
        ethernet,
        env,
      })),
      { ...options, timeoutMs: options.timeoutMs ?? 600_000 },
    );
    return vms.map((vm) =>
      withResults<MeshNodeResults>(vm, {
        node: "number",
        cases: "object",
        agent_started: "boolean",
        agent_exit_code: "number",
      }),
    );
  } finally {
    ethernetSwitch.close();
  }
}

/** The same mesh in one VM, three radios in a network namespace each, no tunnel (local-mesh.sh). */
export async function runLocalMesh(
  options: MeshOptions = {},
): Promise<ScenarioVm<{ readonly cases: readonly MeshCaseResult[] }>> {
  const env = { ...options.env, MESH_CASES: (options.cases ?? MESH_CASES).join(" ") };
  const [vm] = await runVms(
    [{ name: "mesh-local", script: join(guestDir, "local-mesh.sh"), radios: 3, env }],
    { ...options, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
  );
  return withResults<{ cases: readonly MeshCaseResult[] }>(vm, { cases: "object" });
}

/** The roaming cases of lab/guest/roam.sh, in the order they run by default. */
export const ROAM_CASES = ["ft", "cmd", "bgscan"] as const;
export type RoamCase = (typeof ROAM_CASES)[number];

/** One roam the station made (roam.sh, roam_measure): cmd-to-2, cmd-to-1, bgscan-to-2, ft-to-N. */
export interface RoamResult {
  readonly name: string;
  readonly from_bssid: string;
  readonly to_bssid: string;
  /** Where the station was associated 5 s after the roam (empty: nowhere). */
  readonly bssid_after: string;
  /** `wpa_cli status`'s key_mgmt then (WPA2-PSK, FT-PSK). */
  readonly key_mgmt: string;
  /** From the trigger (`wpa_cli roam`, or the fade taking effect) to CTRL-EVENT-CONNECTED with to_bssid. */
  readonly roam_seconds: number | null;
  /** From the trigger to wpa_supplicant's "Trying to authenticate with" to_bssid (bgscan: the decision). */
  readonly auth_after_seconds: number | null;
  /** How many times the trigger ran (a `wpa_cli roam` that did not get there is repeated, 3 times at most). */
  readonly tries: number;
  /** "WPA: Key negotiation completed" lines after the trigger: 4-way handshakes (an FT roam has none). */
  readonly handshakes: number;
  /** CTRL-EVENT-DISCONNECTED lines after the trigger. */
  readonly disconnects: number;
  /** CTRL-EVENT-AUTH-REJECT and CTRL-EVENT-ASSOC-REJECT lines after the trigger. */
  readonly rejects: number;
  /** Pings to the gateway 0.1 s apart from 2 s before the trigger to 5 s after the connection. */
  readonly pings_during: number;
  readonly lost_during: number;
  /** The longest run of unanswered pings among them (x 0.1 s: how long traffic stopped). */
  readonly longest_gap_pings: number;
  /** Then 20 pings 0.2 s apart. */
  readonly ping_transmitted: number;
  readonly ping_received: number;
}

export interface RoamStationResults {
  /** wpa_supplicant start to the first connection. */
  readonly assoc_seconds: number | null;
  readonly first_bssid: string;
  /** Both APs were in wpa_supplicant's table when it first connected. */
  readonly both_seen_at_first: boolean;
  readonly roams: readonly RoamResult[];
}

export interface RoamTunnelStationResults extends RoamStationResults {
  readonly agent_started: boolean;
  readonly agent_exit_code: number;
}

export interface RoamApResults {
  readonly ap: number;
  readonly agent_started: boolean;
  readonly stations_done: number;
  /** hostapd's " associated" lines (one per association or reassociation). */
  readonly associations: number;
  /** hostapd's "pairwise key handshake completed" lines: 4-way handshakes it ran. */
  readonly handshakes: number;
  readonly agent_exit_code: number;
}

export interface RoamLab {
  readonly aps: readonly [ScenarioVm<RoamApResults>, ScenarioVm<RoamApResults>];
  readonly station: ScenarioVm<RoamTunnelStationResults>;
}

export interface RoamOptions extends ScenarioOptions {
  /** Which cases, in order (default ROAM_CASES). */
  readonly cases?: readonly RoamCase[];
}

const ROAM_STATION_FIELDS = {
  assoc_seconds: "number|null",
  first_bssid: "string",
  both_seen_at_first: "boolean",
  roams: "object",
} as const;

/**
 * Three VMs on the lab's switch, one hwsim radio and an agent each (with env AGENT_ARGS, if
 * given): AP 1 of one network in VM 10.0.0.1 (channel 1), AP 2 in VM 10.0.0.2 (channel 11), both
 * bridged onto the switch (roam-ap.sh), and a station in VM 10.0.0.3 (roam-sta.sh) that roams
 * between them: `wpa_cli roam`, bgscan with AP 1 faded by the link model, 802.11r FT, in one boot.
 */
export async function runRoamLab(options: RoamOptions = {}): Promise<RoamLab> {
  const env = { ...options.env, ROAM_CASES: (options.cases ?? ROAM_CASES).join(" ") };
  const ethernetSwitch = await EthernetSwitch.start(3);
  try {
    const [ap1, ap2, station] = await runVms(
      ethernetSwitch.links.map((ethernet, i) => ({
        name: i < 2 ? `roam-ap${i + 1}` : "roam-sta",
        script: join(guestDir, i < 2 ? "roam-ap.sh" : "roam-sta.sh"),
        radios: 1,
        ethernet,
        env,
      })),
      { ...options, timeoutMs: options.timeoutMs ?? 600_000 },
    );
    const ap = (vm: VmResult) =>
      withResults<RoamApResults>(vm, {
        ap: "number",
        agent_started: "boolean",
        stations_done: "number",
        associations: "number",
        handshakes: "number",
        agent_exit_code: "number",
      });
    return {
      aps: [ap(ap1), ap(ap2)],
      station: withResults<RoamTunnelStationResults>(station, {
        ...ROAM_STATION_FIELDS,
        agent_started: "boolean",
        agent_exit_code: "number",
      }),
    };
  } finally {
    ethernetSwitch.close();
  }
}

/** The same cases in one VM with three radios and no tunnel (local-roam.sh): the baseline. */
export async function runLocalRoam(options: RoamOptions = {}): Promise<ScenarioVm<RoamStationResults>> {
  const env = { ...options.env, ROAM_CASES: (options.cases ?? ROAM_CASES).join(" ") };
  const [vm] = await runVms(
    [{ name: "roam-local", script: join(guestDir, "local-roam.sh"), radios: 3, env }],
    { ...options, timeoutMs: options.timeoutMs ?? 600_000 },
  );
  return withResults<RoamStationResults>(vm, ROAM_STATION_FIELDS);
}

export interface AirportScanResults {
  readonly agent_started: boolean;
  readonly ssid_seen: boolean;
  /** From the first scan to the scan that listed the SSID. */
  readonly seen_after_seconds: number | null;
  readonly scans: number;
  readonly agent_exit_code: number;
}

/** The host side of the airport scenario: the agent serving the hub, and the AP inside the hub. */
export interface AirportHost {
  readonly agentLog: string;
  /** The host agent's exit status after SIGTERM (null: killed by a signal). */
  readonly agentExitCode: number | null;
  readonly ssid: string;
  readonly bssid: string;
  readonly beaconsSent: number;
  readonly probeResponsesSent: number;
  /** Who sent probe requests into the hub (through the tunnel, from the VM). */
  readonly probeRequestsFrom: readonly string[];
}

export interface AirportScan {
  readonly station: ScenarioVm<AirportScanResults>;
  readonly host: AirportHost;
}

const AIRPORT_HUB = 20;
const AIRPORT_SSID = "airport-ap";
const AIRPORT_BSSID = 0x02_a1_00_00_00_01;
const AGENT_PORT_IN_GUEST = 8211;

/**
 * A hwsim station in a VM scans for an access point that lives behind an airport hub on the host:
 *
 *   AirportAccessPoint ⇄ hub socket ⇄ host agent (--iface none --airport-listen 20)
 *     ⇄ UDP over QEMU's user network ⇄ VM agent (--iface hwsim0) ⇄ hwsim ⇄ wlan0 scanning
 *
 * The host agent is the shipped CLI (dist/bundle/wifi-tunnel.cjs) run as a child process.
 */
export async function runAirportScan(options: ScenarioOptions = {}): Promise<AirportScan> {
  const runDir = newRunDir("airport-host");
  // Unix socket paths are limited to 107 bytes: keep it short and outside the checkout.
  const socketDir = await mkdtemp(join(tmpdir(), "wt-airport-"));
  const socketPath = join(socketDir, `wifimedium_data.${AIRPORT_HUB}.sock`);
  const [hostAgentPort, forwardedPort] = [await freeUdpPort(), await freeUdpPort()];
  const agentLog = join(runDir, "host-agent.log");
  const logFd = openSync(agentLog, "w");
  const agent = spawn(
    process.execPath,
    [
      join(checkoutDir, "dist", "bundle", "wifi-tunnel.cjs"),
      ...["--iface", "none", "--airport-listen", `${AIRPORT_HUB}`, "--airport-socket", socketPath],
      ...["--listen", `127.0.0.1:${hostAgentPort}`, "--peer", `127.0.0.1:${forwardedPort}`],
      // Its own control socket: the default one may belong to another agent on this machine.
      ...["--control", join(socketDir, "control.sock")],
    ],
    { stdio: ["ignore", logFd, logFd] },
  );
  const agentExit = new Promise<number | null>((resolve) => agent.once("exit", (code) => resolve(code)));
  let ap: AirportAccessPoint | undefined;
  try {
    await waitForFile(agentLog, /listening on UDP/, agentExit, 30_000);
    ap = await AirportAccessPoint.start({
      socketPath,
      hubId: AIRPORT_HUB,
      ssid: AIRPORT_SSID,
      bssid: AIRPORT_BSSID,
      channel: 6,
    });
    const [station] = await runVms(
      [
        {
          name: "airport-sta",
          script: join(guestDir, "airport-scan.sh"),
          radios: 1,
          hostLink: { udpForwards: [{ hostPort: forwardedPort, guestPort: AGENT_PORT_IN_GUEST }] },
          env: {
            ...options.env,
            AGENT_PEER: `${HOST_LINK_HOST_IP}:${hostAgentPort}`,
            AIRPORT_SSID,
          },
        },
      ],
      { ...options, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
    );
    await ap.stop();
    agent.kill("SIGTERM");
    const agentExitCode = await agentExit;
    return {
      station: withResults<AirportScanResults>(station, {
        agent_started: "boolean",
        ssid_seen: "boolean",
        seen_after_seconds: "number|null",
        scans: "number",
        agent_exit_code: "number",
      }),
      host: {
        agentLog: readFileSync(agentLog, "utf8"),
        agentExitCode,
        ssid: AIRPORT_SSID,
        bssid: "02:a1:00:00:00:01",
        beaconsSent: ap.beaconsSent,
        probeResponsesSent: ap.probeResponsesSent,
        probeRequestsFrom: ap.probeRequestsFrom,
      },
    };
  } finally {
    await ap?.stop().catch(() => {});
    agent.kill("SIGKILL");
    await rm(socketDir, { recursive: true, force: true });
  }
}

/** Resolves once `path` matches `pattern`; rejects if `exited` settles first or time runs out. */
async function waitForFile(
  path: string,
  pattern: RegExp,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(readFileSync(path, "utf8"))) {
    if (gone)
      throw new Error(
        `the host agent exited before its log matched ${pattern}:\n${readFileSync(path, "utf8")}`,
      );
    if (Date.now() > deadline)
      throw new Error(`the host agent's log never matched ${pattern} in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The VM's radios and interfaces before the agent started and after it exited (iw phy / iw dev). */
export function radioSnapshots(vm: VmResult): { readonly before: string; readonly after: string } {
  return { before: readGuestFile(vm, "radios-before.txt"), after: readGuestFile(vm, "radios-after.txt") };
}

/** A file the guest wrote to /share. */
export function readGuestFile(vm: VmResult, name: string): string {
  return readFileSync(join(vm.shareDir, name), "utf8");
}

/** The end of the VM's console: the message to show when a scenario went wrong. */
export function consoleTail(vm: VmResult, lines = 40): string {
  const text = readFileSync(vm.consoleLog, "utf8").split("\n").slice(-lines).join("\n");
  return `${vm.name}: exit status ${vm.exitStatus ?? "none"}${vm.timedOut ? " (timed out)" : ""}\n${text}`;
}

type FieldType = "number" | "boolean" | "string" | "object" | "number|null";

/**
 * Reads results.json and checks every expected field has its type, so a script that wrote
 * something else fails loudly here rather than as a puzzling assertion later.
 */
function withResults<Results>(
  vm: VmResult,
  fields: Readonly<Record<keyof Results, FieldType>>,
): ScenarioVm<Results> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readGuestFile(vm, "results.json"));
  } catch {
    return { vm, results: undefined };
  }
  if (typeof parsed !== "object" || parsed === null)
    throw new Error(`${vm.name}: results.json is not an object`);
  const record = parsed as Record<string, unknown>;
  for (const [field, type] of Object.entries<FieldType>(fields)) {
    const value = record[field];
    const actual = value === null ? "null" : typeof value;
    if (!type.split("|").includes(actual)) {
      throw new Error(`${vm.name}: results.json field ${field} is ${actual}, expected ${type}`);
    }
  }
  return { vm, results: parsed as Results };
}
