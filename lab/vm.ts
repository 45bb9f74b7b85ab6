// Throwaway QEMU VMs for testing wifi-tunnel against real mac80211_hwsim radios.
//
// A VM is the Debian kernel from /boot plus the lab initramfs: it sees the host's root filesystem
// read-only (with a tmpfs overlay), so node, hostapd and this checkout are all there at their host
// paths. It runs one guest script as root, writes what it wants to keep into a per-VM share
// directory (/share inside), and powers off. QEMU runs with TCG: this machine's /dev/kvm cannot boot
// stock kernels. No QEMU process outlives its caller: they are killed on timeout, on the caller's
// exit, and by the kernel if the caller dies without running exit handlers (parent-death signal).

import { type ChildProcess, spawn } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { buildInitramfs, findKernel } from "./initramfs.js";
import { checkoutDir, guestDir, workDir } from "./paths.js";

const QEMU = "qemu-system-x86_64";
/** after-switch-root.sh prints this just before it starts the guest script. */
const SCRIPT_STARTING = "lab: guest script starting";

/**
 * A guest's eth0 on the lab's Ethernet: QEMU sends the guest's frames as UDP datagrams to the other
 * VM (a pair) or to the lab's switch (EthernetSwitch, three VMs and more).
 */
export interface VmEthernet {
  /** The guest's eth0 address with prefix length, e.g. "10.0.0.1/24". */
  readonly address: string;
  /**
   * The other VMs' addresses, without prefix: exported to the guest as LAB_PEER_IPS (all of them)
   * and LAB_PEER_IP (the first).
   */
  readonly peerAddresses: readonly string[];
  readonly mac: string;
  /** UDP ports on 127.0.0.1: this QEMU receives on localPort and sends to remotePort. */
  readonly localPort: number;
  readonly remotePort: number;
}

/**
 * The guest's eth0 on QEMU's user-mode network (slirp), for talking to a process on the host: the
 * guest is 10.0.2.15 and reaches the host's 127.0.0.1 as 10.0.2.2; each forward makes a UDP port on
 * the host's 127.0.0.1 deliver to a guest port. The guest gets no default route, so nothing it
 * sends leaves the host's loopback.
 */
export interface VmHostLink {
  readonly udpForwards: readonly { readonly hostPort: number; readonly guestPort: number }[];
}

/** What a guest on a host link is, and what it calls the host's loopback. */
export const HOST_LINK_GUEST_IP = "10.0.2.15";
export const HOST_LINK_HOST_IP = "10.0.2.2";

export interface VmSpec {
  /** The guest's hostname; also names its run directory. */
  readonly name: string;
  /** Host path of the script to run inside (it is copied into the share, so any path works). */
  readonly script: string;
  /** mac80211_hwsim radio count for the guest prelude (LAB_RADIOS); the VM itself loads nothing. */
  readonly radios?: number;
  /** Extra environment for the guest script. */
  readonly env?: Readonly<Record<string, string>>;
  /** eth0 linked to another VM; or else, with hostLink, to the host. */
  readonly ethernet?: VmEthernet;
  readonly hostLink?: VmHostLink;
  readonly memoryMb?: number;
  /**
   * What PID 1 is once the VM runs on the host's root: "script" (default) runs `script` and powers
   * off; "systemd" first runs `script` chrooted into the new root, as an image build would (install
   * units, enable them), then boots /lib/systemd/systemd, whose units must power the VM off.
   */
  readonly init?: "script" | "systemd";
}

export interface VmResult {
  readonly name: string;
  /** The guest script's exit status; undefined if it never finished (timeout, crash). */
  readonly exitStatus: number | undefined;
  readonly timedOut: boolean;
  /** From starting QEMU to the guest script starting; undefined if it never started. */
  readonly bootToScriptMs: number | undefined;
  /** From starting QEMU to QEMU exiting. */
  readonly totalMs: number;
  readonly consoleLog: string;
  /** Host directory the guest sees as /share. */
  readonly shareDir: string;
}

export interface BootOptions {
  /** Called with console output as it arrives (it is also written to the console log). */
  readonly onConsole?: (text: string) => void;
}

const running = new Set<ChildProcess>();
let bootCount = 0;
process.on("exit", () => {
  for (const qemu of running) qemu.kill("SIGKILL");
});

/** Why VMs cannot run on this machine, or undefined if they can. */
export function labUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return "the VM lab needs root (9p passthrough of /, hwsim inside)";
  if (!["/usr/bin", "/usr/local/bin"].some((dir) => existsSync(join(dir, QEMU))))
    return `${QEMU} is not installed`;
  if (findKernel() === undefined) return "no /boot/vmlinuz-* with its modules in /lib/modules";
  if (!existsSync("/bin/busybox")) return "busybox-static is not installed";
  if (!existsSync("/usr/bin/setpriv")) return "setpriv (util-linux) is not installed";
  // Guests mount fresh filesystems on these, hiding whatever the host has there.
  const hidden = ["/tmp/", "/run/", "/dev/", "/proc/", "/sys/"].find((dir) => checkoutDir.startsWith(dir));
  if (hidden !== undefined) return `the checkout ${checkoutDir} is under ${hidden}, which guests cannot see`;
  return undefined;
}

export class Vm {
  readonly name: string;
  readonly shareDir: string;
  readonly consoleLog: string;
  private readonly qemu: ChildProcess;
  private readonly startedAt = Date.now();
  private scriptStartedAt: number | undefined;
  private timedOut = false;
  private readonly exited: Promise<void>;

  private constructor(spec: VmSpec, options: BootOptions) {
    const kernel = findKernel();
    if (kernel === undefined) throw new Error("no kernel with modules in /boot");
    this.name = spec.name;
    const runDir = newRunDir(spec.name);
    this.shareDir = join(runDir, "share");
    this.consoleLog = join(runDir, "console.log");
    mkdirSync(this.shareDir, { recursive: true });
    copyFileSync(spec.script, join(this.shareDir, "guest-script.sh"));
    writeFileSync(join(this.shareDir, "lab.env"), envFile(guestEnv(spec)));

    const args = qemuArgs(spec, kernel.image, buildInitramfs(kernel), this.shareDir);
    // setpriv makes the kernel SIGKILL QEMU if we die without a chance to run exit handlers.
    this.qemu = spawn("setpriv", ["--pdeathsig", "KILL", "--", QEMU, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(this.qemu);
    const log = createWriteStream(this.consoleLog);
    let recent = "";
    const onOutput = (chunk: Buffer): void => {
      const text = chunk.toString("utf8");
      log.write(chunk);
      options.onConsole?.(text);
      recent = (recent + text).slice(-2 * SCRIPT_STARTING.length);
      if (this.scriptStartedAt === undefined && recent.includes(SCRIPT_STARTING))
        this.scriptStartedAt = Date.now();
    };
    this.qemu.stdout?.on("data", onOutput);
    this.qemu.stderr?.on("data", onOutput);
    this.exited = new Promise((resolve) => {
      this.qemu.once("close", () => {
        running.delete(this.qemu);
        log.end(resolve);
      });
    });
  }

  /** Boots a VM that runs `spec.script`; it powers off when the script ends. */
  static boot(spec: VmSpec, options: BootOptions = {}): Vm {
    return new Vm(spec, options);
  }

  /** Waits until the VM powers off; after `timeoutMs` kills it and reports timedOut. */
  async waitForExit(timeoutMs: number): Promise<VmResult> {
    const timer = setTimeout(() => {
      this.timedOut = true;
      this.kill();
    }, timeoutMs);
    await this.exited;
    clearTimeout(timer);
    const statusFile = join(this.shareDir, "exit-status");
    const status = existsSync(statusFile)
      ? Number.parseInt(readFileSync(statusFile, "utf8"), 10)
      : Number.NaN;
    return {
      name: this.name,
      exitStatus: Number.isNaN(status) ? undefined : status,
      timedOut: this.timedOut,
      bootToScriptMs: this.scriptStartedAt === undefined ? undefined : this.scriptStartedAt - this.startedAt,
      totalMs: Date.now() - this.startedAt,
      consoleLog: this.consoleLog,
      shareDir: this.shareDir,
    };
  }

  kill(): void {
    this.qemu.kill("SIGKILL");
  }
}

/** Run directories kept under .vm-work/runs; older ones are removed as new ones are made. */
const KEPT_RUNS = 100;

/**
 * A fresh directory under .vm-work/runs for one VM or host-side process of a scenario, named so
 * that names sort by time; the oldest beyond KEPT_RUNS are deleted.
 */
export function newRunDir(name: string): string {
  const runs = join(workDir, "runs");
  const runDir = join(runs, `${timestamp()}-${process.pid}-${++bootCount}-${name}`);
  mkdirSync(runDir, { recursive: true });
  const all = readdirSync(runs).sort();
  for (const old of all.slice(0, Math.max(0, all.length - KEPT_RUNS)))
    rmSync(join(runs, old), { recursive: true, force: true });
  return runDir;
}

/** Boots the VMs together and waits for all of them; any still running after `timeoutMs` is killed. */
export async function runVms(
  specs: readonly VmSpec[],
  options: BootOptions & { readonly timeoutMs: number },
): Promise<VmResult[]> {
  const vms: Vm[] = [];
  try {
    for (const spec of specs) vms.push(Vm.boot(spec, options));
    return await Promise.all(vms.map((vm) => vm.waitForExit(options.timeoutMs)));
  } finally {
    for (const vm of vms) vm.kill();
  }
}

/** Both ends of an Ethernet link between two VMs: 10.0.0.1/24 and 10.0.0.2/24 (inside QEMU only). */
export async function ethernetPair(): Promise<[VmEthernet, VmEthernet]> {
  const [portA, portB] = [await freeUdpPort(), await freeUdpPort()];
  return [
    {
      address: "10.0.0.1/24",
      peerAddresses: ["10.0.0.2"],
      mac: "52:54:00:00:00:01",
      localPort: portA,
      remotePort: portB,
    },
    {
      address: "10.0.0.2/24",
      peerAddresses: ["10.0.0.1"],
      mac: "52:54:00:00:00:02",
      localPort: portB,
      remotePort: portA,
    },
  ];
}

/** A UDP port on 127.0.0.1 that was free a moment ago (the OS picks it; QEMU binds it soon after). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/**
 * Ethernet for three VMs and more: a learning switch on 127.0.0.1 that QEMU's dgram netdevs talk to,
 * one UDP port per VM. Frames to an address it has seen go to that VM only, the rest to every
 * other VM, as a real switch does (flooding everything would make each guest filter the others'
 * tunnel traffic, CPU a TCG guest does not have). VM i is 10.0.0.(i+1)/24.
 */
export class EthernetSwitch {
  readonly links: readonly VmEthernet[];
  private readonly sockets: Socket[];
  /** Ethernet address (12 hex digits) → the VM it was last seen from. */
  private readonly learned = new Map<string, number>();
  /** Frames the switch forwarded, for the bench's accounting. */
  forwarded = 0;

  private constructor(sockets: Socket[], guestPorts: readonly number[]) {
    this.sockets = sockets;
    const addresses = guestPorts.map((_, i) => `10.0.0.${i + 1}`);
    this.links = guestPorts.map((localPort, i) => ({
      address: `${addresses[i]}/24`,
      peerAddresses: addresses.filter((_, j) => j !== i),
      mac: `52:54:00:00:00:${(i + 1).toString(16).padStart(2, "0")}`,
      localPort,
      remotePort: sockets[i].address().port,
    }));
    sockets.forEach((socket, from) => {
      socket.on("message", (frame) => this.switchFrame(frame, from, guestPorts));
    });
  }

  static async start(vms: number): Promise<EthernetSwitch> {
    const sockets: Socket[] = [];
    const guestPorts: number[] = [];
    for (let i = 0; i < vms; i++) {
      guestPorts.push(await freeUdpPort());
      const socket = createSocket("udp4");
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.bind(0, "127.0.0.1", () => resolve());
      });
      sockets.push(socket);
    }
    return new EthernetSwitch(sockets, guestPorts);
  }

  private switchFrame(frame: Buffer, from: number, guestPorts: readonly number[]): void {
    if (frame.length < 14) return;
    this.learned.set(frame.toString("hex", 6, 12), from);
    const to = (frame[0] & 0x01) === 0 ? this.learned.get(frame.toString("hex", 0, 6)) : undefined;
    for (let vm = 0; vm < guestPorts.length; vm++) {
      if (vm === from || (to !== undefined && vm !== to)) continue;
      this.sockets[vm].send(frame, guestPorts[vm], "127.0.0.1");
      this.forwarded++;
    }
  }

  close(): void {
    for (const socket of this.sockets) socket.close();
  }
}

function qemuArgs(spec: VmSpec, kernelImage: string, initramfs: string, shareDir: string): string[] {
  const cmdline = ["console=ttyS0", "quiet", "panic=1", `lab_hostname=${spec.name}`];
  // Bench knobs (bench/netlink-thread.ts): extra kernel arguments, e.g. preempt=full; LAB_VCPUS below.
  if (process.env.LAB_KERNEL_ARGS) cmdline.push(...process.env.LAB_KERNEL_ARGS.split(" ").filter(Boolean));
  // Classic names (eth0, wlan0: the lab configures eth0 before systemd runs), and only the units
  // the guest script enabled, without the serial getty the console would otherwise get.
  if (spec.init === "systemd")
    cmdline.push(
      "lab_init=systemd",
      "net.ifnames=0",
      "systemd.unit=multi-user.target",
      "systemd.getty_auto=0",
    );
  const args = [
    ...["-accel", "tcg", "-m", `${spec.memoryMb ?? 1024}`, "-smp", process.env.LAB_VCPUS ?? "1"],
    ...["-nodefaults", "-no-user-config", "-display", "none", "-no-reboot"],
    // The serial console goes to our stdout; signal=off so a stray ^C byte is not a signal.
    ...["-chardev", "stdio,id=console,signal=off", "-serial", "chardev:console"],
    ...["-kernel", kernelImage, "-initrd", initramfs],
    // multidevs=remap: the host root spans several filesystems whose inode numbers may collide.
    ...["-fsdev", "local,id=hostroot,path=/,readonly=on,multidevs=remap,security_model=none"],
    ...["-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot"],
    ...["-fsdev", `local,id=share,path=${shareDir},security_model=none`],
    ...["-device", "virtio-9p-pci,fsdev=share,mount_tag=share"],
  ];
  const eth = spec.ethernet;
  if (eth !== undefined && spec.hostLink !== undefined)
    throw new Error(`${spec.name}: eth0 is either an Ethernet link to a VM or a host link, not both`);
  if (spec.hostLink !== undefined) {
    cmdline.push(`lab_ip=${HOST_LINK_GUEST_IP}/24`);
    const forwards = spec.hostLink.udpForwards.map(
      ({ hostPort, guestPort }) => `,hostfwd=udp:127.0.0.1:${hostPort}-${HOST_LINK_GUEST_IP}:${guestPort}`,
    );
    args.push(
      "-netdev",
      `user,id=eth0,net=10.0.2.0/24,host=${HOST_LINK_HOST_IP},ipv6=off${forwards.join("")}`,
      "-device",
      "virtio-net-pci,netdev=eth0,mac=52:54:00:00:02:15",
    );
  }
  if (eth !== undefined) {
    cmdline.push(`lab_ip=${eth.address}`);
    const local = `local.type=inet,local.host=127.0.0.1,local.port=${eth.localPort}`;
    const remote = `remote.type=inet,remote.host=127.0.0.1,remote.port=${eth.remotePort}`;
    args.push(
      "-netdev",
      `dgram,id=eth0,${local},${remote}`,
      "-device",
      `virtio-net-pci,netdev=eth0,mac=${eth.mac}`,
    );
  }
  return [...args, "-append", cmdline.join(" ")];
}

function guestEnv(spec: VmSpec): Record<string, string> {
  const env: Record<string, string> = {
    LAB_NAME: spec.name,
    LAB_CHECKOUT: checkoutDir,
    LAB_GUEST_DIR: guestDir,
    LAB_SHARE: "/share",
    LAB_RADIOS: `${spec.radios ?? 2}`,
  };
  if (spec.ethernet !== undefined) {
    env.LAB_IP = spec.ethernet.address.split("/")[0];
    env.LAB_PEER_IP = spec.ethernet.peerAddresses[0] ?? "";
    env.LAB_PEER_IPS = spec.ethernet.peerAddresses.join(" ");
  }
  if (spec.hostLink !== undefined) {
    env.LAB_IP = HOST_LINK_GUEST_IP;
    env.LAB_PEER_IP = HOST_LINK_HOST_IP;
  }
  return { ...env, ...spec.env };
}

/** Shell `export` lines, single-quoted so any value survives. */
function envFile(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([key, value]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`bad environment variable name ${key}`);
      return `export ${key}='${value.replaceAll("'", `'\\''`)}'\n`;
    })
    .join("");
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}
