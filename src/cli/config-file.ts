// The config file (--config /etc/wifi-tunnel/NAME.conf), INI in the spirit of wg-quick: one
// [Agent] section whose keys are the agent's flags (KeyFile = ... for --key-file) and one [Peer]
// section per peer (Endpoint, Name, and its link: Signal, Loss). Pure: text in, typed sections or the one sentence that names
// the file, the line and what is expected. What the values mean is checked by the same parsers
// the flags use (config.ts), so a file and a command line accept exactly the same things.

import { DEFAULT_LINK, type Link, parseLoss, parseSignal } from "../agent/link-model.js";
import { ok, type Result, reject } from "../result.js";
import { DEFAULT_PORT, type HostPort, parseHostPort } from "./config.js";

/** An [Agent] key: one flag of the agent command, as commander describes it. */
export interface AgentKey {
  /** The long flag without dashes, e.g. "key-file"; the key is its PascalCase, KeyFile. */
  readonly flag: string;
  /** False for a switch (--unique-macs): its value is true/false (yes/no, on/off, 1/0). */
  readonly takesValue: boolean;
  /** The values the flag allows, if it names them (--log-level). */
  readonly choices?: readonly string[];
  /** Checks a value the way the flag's parser does; `what` starts the sentence it returns. */
  readonly check?: (value: string, what: string) => Result<unknown>;
}

export interface AgentSetting {
  readonly value: string | boolean;
  /** The key as the file spells it, for messages. */
  readonly key: string;
  readonly line: number;
}

export interface ConfigPeer extends HostPort {
  /** Name = ...: how this agent's log names the peer (its HELLO's node name otherwise). */
  readonly name: string | null;
  /** Signal = DBM, Loss = PERCENT% (the default link for what it leaves out). */
  readonly link: Link;
  readonly line: number;
}

export interface ConfigFile {
  readonly path: string;
  /** [Agent] values by flag ("key-file"), each as the command line would give it. */
  readonly agent: ReadonlyMap<string, AgentSetting>;
  readonly peers: readonly ConfigPeer[];
}

/** The section names; [Interface] (wg-quick's) is refused with a pointer to [Agent]. */
export const AGENT_SECTION = "Agent";
export const PEER_SECTION = "Peer";

/** A key of a [Peer] section. */
interface PeerKey {
  readonly key: string;
  readonly check: (value: string, what: string) => Result<unknown>;
}

const PEER_NAME = /^[\x21-\x7e][\x20-\x7e]{0,62}$/;

export const PEER_KEYS: readonly PeerKey[] = [
  { key: "Endpoint", check: (value, what) => parseHostPort(value, DEFAULT_PORT, what) },
  {
    key: "Name",
    check: (value, what) =>
      PEER_NAME.test(value)
        ? ok(value)
        : reject("bad-config", `${what}: '${value}' is not a peer name (1-63 printable ASCII characters)`),
  },
  // The link model (src/agent/link-model.ts): the same parsers as `set peer NAME signal -72 loss 5%`.
  { key: "Signal", check: (value, what) => parseSignal(value, what) },
  { key: "Loss", check: (value, what) => parseLoss(value, what) },
];

const SWITCH_VALUES: Readonly<Record<string, boolean>> = {
  true: true,
  yes: true,
  on: true,
  "1": true,
  false: false,
  no: false,
  off: false,
  "0": false,
};

/** "key-file" → "KeyFile". */
export function keyOfFlag(flag: string): string {
  return flag
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

/** Keys match ignoring case, dashes and underscores: KeyFile, keyfile, key-file, key_file. */
function normalised(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, "");
}

type Section = { kind: "none" } | { kind: "agent"; line: number } | { kind: "peer"; peer: PeerDraft };

interface PeerDraft {
  readonly line: number;
  readonly values: Map<string, { value: string; line: number }>;
}

export function parseConfigFile(
  text: string,
  path: string,
  agentKeys: readonly AgentKey[],
): Result<ConfigFile, "bad-config"> {
  const byKey = new Map(agentKeys.map((key) => [normalised(keyOfFlag(key.flag)), key]));
  const peerKeys = new Map(PEER_KEYS.map((key) => [normalised(key.key), key]));
  const agent = new Map<string, AgentSetting>();
  const drafts: PeerDraft[] = [];
  let section: Section = { kind: "none" };
  let agentLine: number | null = null;
  const at = (line: number): string => `${path} line ${line}`;
  const fail = (line: number, what: string) => reject("bad-config", `${at(line)}: ${what}`);

  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1;
    const content = (lines[index] ?? "").trim();
    if (content === "" || content.startsWith("#") || content.startsWith(";")) continue;

    const header = /^\[\s*([^\]]*?)\s*\]$/.exec(content);
    if (header) {
      const name = header[1] ?? "";
      if (name.toLowerCase() === AGENT_SECTION.toLowerCase()) {
        if (agentLine !== null)
          return fail(
            line,
            `a second [${AGENT_SECTION}] section (the first is on line ${agentLine}); merge them`,
          );
        agentLine = line;
        section = { kind: "agent", line };
      } else if (name.toLowerCase() === PEER_SECTION.toLowerCase()) {
        const peer: PeerDraft = { line, values: new Map() };
        drafts.push(peer);
        section = { kind: "peer", peer };
      } else {
        const hint = name.toLowerCase() === "interface" ? " (wg-quick's [Interface] is [Agent] here)" : "";
        return fail(
          line,
          `[${name}] is not a section; expected [${AGENT_SECTION}] or [${PEER_SECTION}]${hint}`,
        );
      }
      continue;
    }

    const pair = /^([^=\s]+)\s*=\s*(.*)$/.exec(content);
    if (!pair) {
      return fail(
        line,
        `'${content}' is not KEY = VALUE, [${AGENT_SECTION}] or [${PEER_SECTION}] (comments start with # or ;)`,
      );
    }
    const key = pair[1] ?? "";
    const value = pair[2] ?? "";
    const what = `${at(line)}: ${key}`;

    if (section.kind === "none") {
      return fail(
        line,
        `${key} comes before any section; put it under [${AGENT_SECTION}] or [${PEER_SECTION}]`,
      );
    }
    if (section.kind === "agent") {
      const known = byKey.get(normalised(key));
      if (known === undefined) {
        if (normalised(key) === "peer")
          return fail(
            line,
            `peers are [${PEER_SECTION}] sections with Endpoint = HOST[:PORT], not a Peer key`,
          );
        if (normalised(key) === "config") return fail(line, "a config file cannot name another one (Config)");
        return fail(
          line,
          `${key} is not a key of [${AGENT_SECTION}]; expected one of ${agentKeys.map((k) => keyOfFlag(k.flag)).join(", ")}`,
        );
      }
      const previous = agent.get(known.flag);
      if (previous !== undefined)
        return fail(line, `${key} is set twice (first on line ${previous.line}); keep one`);
      if (value === "") return fail(line, `${key} has no value; expected ${describeExpected(known)}`);
      let setting: string | boolean = value;
      if (!known.takesValue) {
        const switched = SWITCH_VALUES[value.toLowerCase()];
        if (switched === undefined)
          return fail(line, `${key}: '${value}' is not true or false (yes/no, on/off, 1/0)`);
        setting = switched;
      } else if (known.choices !== undefined && !known.choices.includes(value)) {
        return fail(line, `${key}: '${value}' is not one of ${known.choices.join(", ")}`);
      } else if (known.check !== undefined) {
        const checked = known.check(value, what);
        if (!checked.ok) return reject("bad-config", checked.error.detail);
      }
      agent.set(known.flag, { value: setting, key, line });
      continue;
    }

    const peerKey = peerKeys.get(normalised(key));
    if (peerKey === undefined) {
      return fail(
        line,
        `${key} is not a key of [${PEER_SECTION}]; expected one of ${PEER_KEYS.map((k) => k.key).join(", ")}`,
      );
    }
    const previous = section.peer.values.get(peerKey.key);
    if (previous !== undefined)
      return fail(
        line,
        `${key} is set twice in this [${PEER_SECTION}] (first on line ${previous.line}); keep one`,
      );
    if (value === "") return fail(line, `${key} has no value`);
    const checked = peerKey.check(value, what);
    if (!checked.ok) return reject("bad-config", checked.error.detail);
    section.peer.values.set(peerKey.key, { value, line });
  }

  const peers: ConfigPeer[] = [];
  for (const draft of drafts) {
    const endpoint = draft.values.get("Endpoint");
    if (endpoint === undefined) {
      return fail(
        draft.line,
        `this [${PEER_SECTION}] has no Endpoint; add Endpoint = HOST[:PORT] (e.g. 10.0.0.2)`,
      );
    }
    const parsed = parseHostPort(endpoint.value, DEFAULT_PORT, `${at(endpoint.line)}: Endpoint`);
    if (!parsed.ok) return reject("bad-config", parsed.error.detail);
    const twin = peers.find((peer) => peer.host === parsed.value.host && peer.port === parsed.value.port);
    if (twin !== undefined) {
      return fail(
        endpoint.line,
        `Endpoint ${endpoint.value} is already the [${PEER_SECTION}] on line ${twin.line}; list each peer once`,
      );
    }
    peers.push({
      ...parsed.value,
      name: draft.values.get("Name")?.value ?? null,
      link: linkOf(draft),
      line: draft.line,
    });
  }
  return ok({ path, agent, peers });
}

/** The draft's Signal and Loss, already checked line by line. */
function linkOf(draft: PeerDraft): Link {
  const signal = draft.values.get("Signal");
  const loss = draft.values.get("Loss");
  const signalDbm = signal === undefined ? null : parseSignal(signal.value, "Signal");
  const lossPercent = loss === undefined ? null : parseLoss(loss.value, "Loss");
  return {
    signalDbm: signalDbm?.ok ? signalDbm.value : DEFAULT_LINK.signalDbm,
    lossPercent: lossPercent?.ok ? lossPercent.value : DEFAULT_LINK.lossPercent,
  };
}

function describeExpected(key: AgentKey): string {
  if (!key.takesValue) return "true or false";
  if (key.choices !== undefined) return `one of ${key.choices.join(", ")}`;
  return `a value as for --${key.flag}`;
}
