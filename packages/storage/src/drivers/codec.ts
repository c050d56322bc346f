import { ThreadspaceError } from "@threadspace/errors";
import type { StorageValue } from "../types.ts";
import { setOwn } from "../value.ts";

/**
 * A compact binary form of storage values, for the file driver's log. One tag byte per value:
 * null, false, true, int32, float64, string (UTF-8), bytes, array, object; lengths are u32
 * little-endian. Values must have passed `checkValue` (well-formed strings, no cycles).
 */
const Tag = { Null: 0, False: 1, True: 2, Int32: 3, Float64: 4, String: 5, Bytes: 6, Array: 7, Object: 8 } as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** A growable buffer written front to back. */
export class ByteWriter {
  #buf: Uint8Array;
  #view: DataView;
  length = 0;

  constructor(capacity = 256) {
    this.#buf = new Uint8Array(capacity);
    this.#view = new DataView(this.#buf.buffer);
  }

  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.length));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  u8(value: number): void {
    this.ensure(1);
    this.#buf[this.length++] = value;
  }

  u32(value: number): void {
    this.ensure(4);
    this.#view.setUint32(this.length, value, true);
    this.length += 4;
  }

  /** Overwrites a u32 written earlier at `at`. */
  u32At(at: number, value: number): void {
    this.#view.setUint32(at, value, true);
  }

  i32(value: number): void {
    this.ensure(4);
    this.#view.setInt32(this.length, value, true);
    this.length += 4;
  }

  f64(value: number): void {
    this.ensure(8);
    this.#view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  bytes(value: Uint8Array): void {
    this.ensure(value.length);
    this.#buf.set(value, this.length);
    this.length += value.length;
  }

  /** A u32 byte length, then the UTF-8 of `text`. */
  string(text: string): void {
    this.ensure(4 + text.length * 3);
    const at = this.length;
    let pos = at + 4;
    if (text.length <= 64) {
      const buf = this.#buf;
      for (let i = 0; i < text.length; i++) {
        let c = text.charCodeAt(i);
        if (c < 0x80) buf[pos++] = c;
        else if (c < 0x800) {
          buf[pos++] = 0xc0 | (c >> 6);
          buf[pos++] = 0x80 | (c & 63);
        } else if (c >= 0xd800 && c <= 0xdbff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
          buf[pos++] = 0xf0 | (c >> 18);
          buf[pos++] = 0x80 | ((c >> 12) & 63);
          buf[pos++] = 0x80 | ((c >> 6) & 63);
          buf[pos++] = 0x80 | (c & 63);
        } else {
          buf[pos++] = 0xe0 | (c >> 12);
          buf[pos++] = 0x80 | ((c >> 6) & 63);
          buf[pos++] = 0x80 | (c & 63);
        }
      }
    } else pos += encoder.encodeInto(text, this.#buf.subarray(pos)).written;
    this.#view.setUint32(at, pos - at - 4, true);
    this.length = pos;
  }

  /** The bytes written, without copying (a view of the internal buffer). */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.length);
  }
}

/** Appends the encoding of `value`. */
export function writeValue(w: ByteWriter, value: StorageValue): void {
  switch (typeof value) {
    case "string":
      w.u8(Tag.String);
      w.string(value);
      return;
    case "number":
      if ((value | 0) === value && !Object.is(value, -0)) {
        w.u8(Tag.Int32);
        w.i32(value);
      } else {
        w.u8(Tag.Float64);
        w.f64(value);
      }
      return;
    case "boolean":
      w.u8(value ? Tag.True : Tag.False);
      return;
  }
  if (value === null) return w.u8(Tag.Null);
  if (value instanceof Uint8Array) {
    w.u8(Tag.Bytes);
    w.u32(value.length);
    w.bytes(value);
    return;
  }
  if (Array.isArray(value)) {
    w.u8(Tag.Array);
    w.u32(value.length);
    for (const item of value as readonly StorageValue[]) writeValue(w, item);
    return;
  }
  const keys = Object.keys(value);
  w.u8(Tag.Object);
  w.u32(keys.length);
  for (const k of keys) {
    w.string(k);
    writeValue(w, (value as Record<string, StorageValue>)[k] as StorageValue);
  }
}

/** Reads from `bytes[start, end)`; every read is bounds-checked (a bad log is an error, not a crash). */
export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly end: number;
  pos: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  #need(n: number): number {
    const at = this.pos;
    if (at + n > this.end) throw corrupt(`needs ${n} more bytes at offset ${at}`);
    this.pos = at + n;
    return at;
  }

  u8(): number {
    return this.#bytes[this.#need(1)] as number;
  }

  u32(): number {
    return this.#view.getUint32(this.#need(4), true);
  }

  i32(): number {
    return this.#view.getInt32(this.#need(4), true);
  }

  f64(): number {
    return this.#view.getFloat64(this.#need(8), true);
  }

  /** A view (no copy) of the next `n` bytes. */
  view(n: number): Uint8Array {
    const at = this.#need(n);
    return this.#bytes.subarray(at, at + n);
  }

  string(): string {
    const n = this.u32();
    const at = this.#need(n);
    if (n <= 32) {
      let out = "";
      for (let i = at; i < at + n; i++) {
        const c = this.#bytes[i] as number;
        if (c >= 0x80) return decoder.decode(this.#bytes.subarray(at, at + n));
        out += String.fromCharCode(c);
      }
      return out;
    }
    return decoder.decode(this.#bytes.subarray(at, at + n));
  }
}

function corrupt(detail: string): ThreadspaceError {
  return new ThreadspaceError("storage_unavailable", `storage (file): an encoded value is damaged (${detail}).`);
}

/** Decodes one value (a fresh copy: `Uint8Array`s are copied out of the buffer). */
export function readValue(r: ByteReader): StorageValue {
  const tag = r.u8();
  switch (tag) {
    case Tag.Null:
      return null;
    case Tag.False:
      return false;
    case Tag.True:
      return true;
    case Tag.Int32:
      return r.i32();
    case Tag.Float64:
      return r.f64();
    case Tag.String:
      return r.string();
    case Tag.Bytes:
      return r.view(r.u32()).slice();
    case Tag.Array: {
      const n = r.u32();
      const out: StorageValue[] = [];
      for (let i = 0; i < n; i++) out.push(readValue(r));
      return out;
    }
    case Tag.Object: {
      const n = r.u32();
      const out: Record<string, StorageValue> = {};
      for (let i = 0; i < n; i++) {
        const k = r.string();
        setOwn(out, k, readValue(r));
      }
      return out;
    }
    default:
      throw corrupt(`unknown tag ${tag} at offset ${r.pos - 1}`);
  }
}

/** `byteSize` of an encoded value, computed from the encoding without decoding it. */
export function measureValue(r: ByteReader): number {
  const tag = r.u8();
  switch (tag) {
    case Tag.Null:
    case Tag.False:
    case Tag.True:
      return 1;
    case Tag.Int32:
      r.view(4);
      return 8;
    case Tag.Float64:
      r.view(8);
      return 8;
    case Tag.String:
    case Tag.Bytes: {
      const n = r.u32();
      r.view(n);
      return n;
    }
    case Tag.Array: {
      const n = r.u32();
      let total = 1;
      for (let i = 0; i < n; i++) total += measureValue(r);
      return total;
    }
    case Tag.Object: {
      const n = r.u32();
      let total = 1;
      for (let i = 0; i < n; i++) {
        const k = r.u32();
        r.view(k);
        total += k + measureValue(r);
      }
      return total;
    }
    default:
      throw corrupt(`unknown tag ${tag} at offset ${r.pos - 1}`);
  }
}

/** Encodes one value on its own. */
export function encodeValue(value: StorageValue): Uint8Array {
  const w = new ByteWriter();
  writeValue(w, value);
  return w.view();
}

/** Decodes a value made by {@link encodeValue}. */
export function decodeValue(bytes: Uint8Array): StorageValue {
  const r = new ByteReader(bytes);
  const value = readValue(r);
  if (r.pos !== r.end) throw corrupt(`${r.end - r.pos} bytes left after the value`);
  return value;
}
