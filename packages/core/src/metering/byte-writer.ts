/**
 * A growable byte buffer for emitting a module: bytes, byte ranges and LEB128 integers.
 * Grows by doubling, so emitting is linear in the output's size.
 */
export class ByteWriter {
  private buffer: Uint8Array;
  /** Bytes written so far. */
  length = 0;

  constructor(capacity = 1024) {
    this.buffer = new Uint8Array(Math.max(16, capacity));
  }

  private reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.byteLength) return;
    let size = this.buffer.byteLength * 2;
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  u8(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  /** Writes `bytes[start, end)`. */
  range(bytes: Uint8Array, start: number, end: number): void {
    const count = end - start;
    if (count <= 0) return;
    this.reserve(count);
    if (count < 64) {
      // Short runs (most of a body between two insertions): a loop beats allocating a view.
      const buffer = this.buffer;
      const at = this.length;
      for (let i = 0; i < count; i++) buffer[at + i] = bytes[start + i] as number;
    } else this.buffer.set(bytes.subarray(start, end), this.length);
    this.length += count;
  }

  /** Writes `bytes`, from `from` on. */
  bytes(bytes: Uint8Array | readonly number[], from = 0): void {
    const count = bytes.length - from;
    this.reserve(count);
    for (let i = 0; i < count; i++) this.buffer[this.length + i] = bytes[from + i] as number;
    this.length += count;
  }

  /** Unsigned LEB128 of a whole number from 0 to 2^53 - 1; with `width`, padded to that many bytes. */
  uleb(value: number, width = 0): void {
    this.reserve(10);
    let rest = value;
    let written = 0;
    for (;;) {
      const low = rest % 128;
      rest = Math.floor(rest / 128);
      written++;
      if (rest === 0 && written >= width) {
        this.buffer[this.length++] = low;
        return;
      }
      this.buffer[this.length++] = low | 0x80;
    }
  }

  /** Signed LEB128 of a 32-bit integer. */
  sleb32(value: number): void {
    this.reserve(5);
    let rest = value | 0;
    for (;;) {
      const low = rest & 0x7f;
      rest >>= 7;
      const done = (rest === 0 && (low & 0x40) === 0) || (rest === -1 && (low & 0x40) !== 0);
      this.buffer[this.length++] = done ? low : low | 0x80;
      if (done) return;
    }
  }

  /** Signed LEB128 of a 64-bit integer given as a bigint. */
  sleb64(value: bigint): void {
    this.reserve(10);
    let rest = BigInt.asIntN(64, value);
    for (;;) {
      const low = Number(rest & 0x7fn);
      rest >>= 7n;
      const done = (rest === 0n && (low & 0x40) === 0) || (rest === -1n && (low & 0x40) !== 0);
      this.buffer[this.length++] = done ? low : low | 0x80;
      if (done) return;
    }
  }

  /** A name: its UTF-8 length, then its bytes. */
  name(text: string): void {
    const encoded = new TextEncoder().encode(text);
    this.uleb(encoded.byteLength);
    this.bytes(encoded);
  }

  /** The bytes written (a copy trimmed to {@link length}). */
  finish(): Uint8Array<ArrayBuffer> {
    return this.buffer.slice(0, this.length);
  }

  /** A view of the bytes written so far (valid until the next write). */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}
