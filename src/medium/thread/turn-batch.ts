// Frames for the other thread, gathered over one turn of the event loop and sent as one transferred
// batch (air-batch.ts) once the turn has handled what it read (setImmediate runs after the poll
// phase): one postMessage per turn and direction, not one per frame. A frame's bytes may be a view
// into a buffer its source reuses; they are copied into the batch before this turn ends.

import { airBatch } from "../air-batch.js";
import type { AirFrame } from "../medium.js";

export class TurnBatch {
  private frames: AirFrame[] = [];
  private scheduled = false;

  constructor(private readonly send: (batch: ArrayBuffer) => void) {}

  push(air: AirFrame): void {
    this.frames.push(air);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Sends what is gathered now (the turn's end, or a close that must not leave frames behind). */
  flush(): void {
    this.scheduled = false;
    if (this.frames.length === 0) return;
    const batch = airBatch.pack(this.frames);
    this.frames = [];
    this.send(batch);
  }
}
