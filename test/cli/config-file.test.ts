// The config file parser (src/cli/config-file.ts) with the agent's real keys (taken from the
// command's flags): what a good file gives, and for each kind of mistake the one sentence naming
// the file, the line and what is expected.

import { describe, expect, it } from "vitest";
import { keyOfFlag, parseConfigFile } from "../../src/cli/config-file.js";
import { agentKeysOf } from "../../src/cli/config-keys.js";
import { configFilePath } from "../../src/cli/config-load.js";
import { buildProgram } from "../../src/cli/program.js";

const program = buildProgram();
const keys = agentKeysOf(program);
const PATH = "/etc/wifi-tunnel/lab.conf";
const parse = (text: string) => parseConfigFile(text, PATH, keys);

describe("config file keys", () => {
  it("every flag of the agent but --peer, --config and --version is an [Agent] key", () => {
    const flags = program.options
      .map((option) => option.long?.replace(/^--/, ""))
      .filter((flag) => flag !== undefined && !["peer", "config", "version"].includes(flag));
    expect(keys.map((key) => key.flag)).toEqual(flags);
    expect(keys.map((key) => keyOfFlag(key.flag))).toContain("KeyFile");
  });

  it.each([
    ["key-file", "KeyFile"],
    ["iface", "Iface"],
    ["airport-rate", "AirportRate"],
    ["unique-macs", "UniqueMacs"],
  ])("--%s is %s", (flag, key) => expect(keyOfFlag(flag)).toBe(key));

  it.each([
    ["lab", "/etc/wifi-tunnel/lab.conf"],
    ["lab.conf", "lab.conf"],
    ["./lab", "./lab"],
    ["/srv/wt/a.conf", "/srv/wt/a.conf"],
  ])("--config %s reads %s", (value, path) => expect(configFilePath(value)).toBe(path));
});

describe("a good config file", () => {
  it("gives the [Agent] values by flag, with their lines, and the peers in order", () => {
    const parsed = parse(`# lab A
[Agent]
Listen = 10.0.0.1:8211
KeyFile=/etc/wifi-tunnel/lab.key
unique-macs = yes
log_level = debug
  StatsInterval  =  60
NodeName = vm a (ap)

; the two stations
[Peer]
Endpoint = 10.0.0.2
Name = sta-1

[peer]
Name = sta 2
Endpoint = [fd00::3]:9000
Signal = -72
Loss = 5%
[Peer]
Endpoint = vm-c.lab:8212
loss=0.5%
`);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(Object.fromEntries([...parsed.value.agent].map(([flag, s]) => [flag, [s.value, s.line]]))).toEqual(
      {
        listen: ["10.0.0.1:8211", 3],
        "key-file": ["/etc/wifi-tunnel/lab.key", 4],
        "unique-macs": [true, 5],
        "log-level": ["debug", 6],
        "stats-interval": ["60", 7],
        "node-name": ["vm a (ap)", 8],
      },
    );
    expect(parsed.value.peers).toEqual([
      { host: "10.0.0.2", port: 8211, name: "sta-1", link: { signalDbm: null, lossPercent: 0 }, line: 11 },
      { host: "fd00::3", port: 9000, name: "sta 2", link: { signalDbm: -72, lossPercent: 5 }, line: 15 },
      { host: "vm-c.lab", port: 8212, name: null, link: { signalDbm: null, lossPercent: 0.5 }, line: 20 },
    ]);
  });

  it.each([
    ["an empty file", ""],
    ["only comments", "# nothing\n; here\n\n"],
    ["an empty [Agent]", "[Agent]\n"],
    ["CRLF line ends", "[Agent]\r\nIface = none\r\n[Peer]\r\nEndpoint = 10.0.0.2\r\n"],
  ])("%s is fine", (_, text) => expect(parse(text).ok).toBe(true));

  it.each([
    ["true", true],
    ["Yes", true],
    ["on", true],
    ["1", true],
    ["false", false],
    ["no", false],
    ["OFF", false],
    ["0", false],
  ])("a switch takes %s as %s", (text, value) => {
    const parsed = parse(`[Agent]\nUniqueMacs = ${text}\n`);
    expect(parsed.ok && parsed.value.agent.get("unique-macs")?.value).toBe(value);
  });
});

describe("a wrong config file is one sentence naming the file, the line and what is expected", () => {
  it.each([
    [
      "[Agent]\nLisen = 1\n",
      "line 2: Lisen is not a key of [Agent]; expected one of Iface, Medium, Listen, KeyFile,",
    ],
    ["Listen = 1\n", "line 1: Listen comes before any section; put it under [Agent] or [Peer]"],
    [
      "[Interface]\n",
      "line 1: [Interface] is not a section; expected [Agent] or [Peer] (wg-quick's [Interface] is [Agent] here)",
    ],
    ["[Agent\n", "line 1: '[Agent' is not KEY = VALUE, [Agent] or [Peer] (comments start with # or ;)"],
    [
      "[Agent]\nIface\n",
      "line 2: 'Iface' is not KEY = VALUE, [Agent] or [Peer] (comments start with # or ;)",
    ],
    ["[Agent]\n\n[Agent]\n", "line 3: a second [Agent] section (the first is on line 1); merge them"],
    ["[Agent]\nIface = a\niface = b\n", "line 3: iface is set twice (first on line 2); keep one"],
    ["[Agent]\nListen =\n", "line 2: Listen has no value; expected a value as for --listen"],
    ["[Agent]\nUniqueMacs =\n", "line 2: UniqueMacs has no value; expected true or false"],
    ["[Agent]\nListen = 70000\n", "line 2: Listen: '70000' is not a UDP port (1-65535)"],
    ["[Agent]\nListen = here:8211\n", "line 2: Listen: 'here' is not an IP address of this machine"],
    ["[Agent]\nIface = wlan0 mon\n", "line 2: Iface: 'wlan0 mon' is not an interface name (or none)"],
    [
      "[Agent]\nUniqueMacs = maybe\n",
      "line 2: UniqueMacs: 'maybe' is not true or false (yes/no, on/off, 1/0)",
    ],
    ["[Agent]\nLogLevel = loud\n", "line 2: LogLevel: 'loud' is not one of error, warn, info, debug"],
    [
      "[Agent]\nStatsInterval = soon\n",
      "line 2: StatsInterval: 'soon' is not a whole number from 0 to 86400",
    ],
    ["[Agent]\nAirportFreq = 900\n", "line 2: AirportFreq: '900' is not a whole number from 2400 to 7200"],
    ["[Agent]\nAirportSignal = 3\n", "line 2: AirportSignal: '3' is not a whole number from -127 to 0"],
    [
      "[Agent]\nAirportListen = 300\n",
      "line 2: AirportListen: '300' is not an airport hub id (0-255, as given to QEMU's termid)",
    ],
    [
      "[Agent]\nPeer = 10.0.0.2\n",
      "line 2: peers are [Peer] sections with Endpoint = HOST[:PORT], not a Peer key",
    ],
    ["[Agent]\nConfig = other.conf\n", "line 2: a config file cannot name another one (Config)"],
    ["[Peer]\nName = b\n", "line 1: this [Peer] has no Endpoint; add Endpoint = HOST[:PORT] (e.g. 10.0.0.2)"],
    ["[Peer]\nEndpoint = 10.0.0.2:0\n", "line 2: Endpoint: '0' is not a UDP port (1-65535)"],
    [
      "[Peer]\nEndpoint = not a host\n",
      "line 2: Endpoint: 'not a host' is not HOST[:PORT] (e.g. 10.0.0.2 or 10.0.0.2:8211)",
    ],
    ["[Peer]\nEndpoint = [10.0.0.2]\n", "line 2: Endpoint: '10.0.0.2' is not an IPv6 address"],
    [
      "[Peer]\nEndpoint = 10.0.0.2\nEndpoint = 10.0.0.3\n",
      "line 3: Endpoint is set twice in this [Peer] (first on line 2); keep one",
    ],
    [
      "[Peer]\nEndpoint = 10.0.0.2\nTxPower = 20\n",
      "line 3: TxPower is not a key of [Peer]; expected one of Endpoint, Name, Signal, Loss",
    ],
    [
      "[Peer]\nEndpoint = 10.0.0.2\nSignal = -140\n",
      "line 3: Signal: '-140' is not a signal in dBm (a whole number from -127 to 0, e.g. -72, or default)",
    ],
    [
      "[Peer]\nEndpoint = 10.0.0.2\nSignal = -72 dBm\n",
      "line 3: Signal: '-72 dBm' is not a signal in dBm (a whole number from -127 to 0, e.g. -72, or default)",
    ],
    [
      "[Peer]\nEndpoint = 10.0.0.2\nLoss = 0.05\n",
      "line 3: Loss: '0.05' is not a loss (a percentage from 0% to 100%, e.g. 5% or 0.5%)",
    ],
    [
      "[Peer]\nEndpoint = 10.0.0.2\nLoss = 150%\n",
      "line 3: Loss: '150%' is not a loss (a percentage from 0% to 100%, e.g. 5% or 0.5%)",
    ],
    [
      "[Peer]\nEndpoint = 10.0.0.2\nLoss = 5%\nloss = 6%\n",
      "line 4: loss is set twice in this [Peer] (first on line 3); keep one",
    ],
    ["[Peer]\nEndpoint = 10.0.0.2\nSignal =\n", "line 3: Signal has no value"],
    ["[Peer]\nEndpoint =\n", "line 2: Endpoint has no value"],
    [
      "[Peer]\nEndpoint = 10.0.0.2\nName = \u0007bell\n",
      "line 3: Name: '\u0007bell' is not a peer name (1-63 printable ASCII characters)",
    ],
    [
      "[Peer]\nEndpoint = 10.0.0.2\n[Peer]\nEndpoint = 10.0.0.2:8211\n",
      "line 4: Endpoint 10.0.0.2:8211 is already the [Peer] on line 1; list each peer once",
    ],
  ])("%j", (text, expected) => {
    const parsed = parse(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.detail.startsWith(`${PATH} ${expected}`), parsed.error.detail).toBe(true);
    // One sentence: no line breaks.
    expect(parsed.error.detail).not.toMatch(/\n/);
  });
});
