// A test double for src/os/systemd/notify.ts: keeps every sd_notify message instead of sending it.

import type { ServiceNotifier } from "../../src/os/systemd/notify.js";

export class RecordingNotifier implements ServiceNotifier {
  readonly messages: Readonly<Record<string, string>>[] = [];
  closed = false;

  notify(fields: Readonly<Record<string, string>>): void {
    this.messages.push({ ...fields });
  }

  close(): void {
    this.closed = true;
  }
}
