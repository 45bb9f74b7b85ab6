// A batch of AirFrames in one buffer: how frames cross between the agent's thread and a medium's
// own thread (src/medium/thread/). One buffer per batch, transferred, not cloned: a Node Buffer is
// often a view into an 8 KiB pool (or into netlink's receive buffer), and structured clone would
// copy the whole of that for every frame.
//
// Per frame, big-endian: u16 frame length, u16 centre frequency (MHz), u16 rate (500 kbit/s),
// i8 signal (dBm), u8 AirFrameFlags, then the frame. No version, no magic: both ends are the same
// build, in one process.

import type { AirFrame } from "./medium.js";

export const AIR_BATCH_ENTRY_HEADER_BYTES = 8;

export const airBatch = {
  encodingLength(frames: readonly AirFrame[]): number {
    let length = 0;
    for (const air of frames) length += AIR_BATCH_ENTRY_HEADER_BYTES + air.frame.length;
    return length;
  },

  /** Writes `frames` into `buf` (which must hold encodingLength bytes); returns the bytes written. */
  encode(frames: readonly AirFrame[], buf: Buffer): number {
    let cursor = 0;
    for (const air of frames) {
      buf.writeUInt16BE(air.frame.length, cursor);
      buf.writeUInt16BE(air.freqMhz, cursor + 2);
      buf.writeUInt16BE(air.rate500kbps, cursor + 4);
      buf.writeInt8(Math.max(-128, Math.min(127, air.signalDbm)), cursor + 6);
      buf.writeUInt8(air.flags, cursor + 7);
      air.frame.copy(buf, cursor + AIR_BATCH_ENTRY_HEADER_BYTES);
      cursor += AIR_BATCH_ENTRY_HEADER_BYTES + air.frame.length;
    }
    return cursor;
  },

  /** The frames of a batch, each a view into `buf`; a string says where a damaged batch ends. */
  decode(buf: Buffer): AirFrame[] | string {
    const frames: AirFrame[] = [];
    let cursor = 0;
    while (cursor < buf.length) {
      if (buf.length - cursor < AIR_BATCH_ENTRY_HEADER_BYTES)
        return `a frame header cut short at byte ${cursor} of ${buf.length}`;
      const length = buf.readUInt16BE(cursor);
      const start = cursor + AIR_BATCH_ENTRY_HEADER_BYTES;
      if (start + length > buf.length)
        return `a ${length}-byte frame at byte ${cursor} runs past the batch's ${buf.length} bytes`;
      frames.push({
        frame: buf.subarray(start, start + length),
        freqMhz: buf.readUInt16BE(cursor + 2),
        rate500kbps: buf.readUInt16BE(cursor + 4),
        signalDbm: buf.readInt8(cursor + 6),
        flags: buf.readUInt8(cursor + 7),
      });
      cursor = start + length;
    }
    return frames;
  },

  /** The batch in an ArrayBuffer of its own, to be transferred (postMessage's transfer list). */
  pack(frames: readonly AirFrame[]): ArrayBuffer {
    const bytes = new ArrayBuffer(airBatch.encodingLength(frames));
    airBatch.encode(frames, Buffer.from(bytes));
    return bytes;
  },
};
