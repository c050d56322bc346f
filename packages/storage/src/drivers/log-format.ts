import { ThreadspaceError } from "@threadspace/errors";
import { DELETE, STORE_NAMES, type StorageWrite, type StoreName } from "../types.ts";
import { utf8Length } from "../value.ts";
import { ByteReader, ByteWriter, measureValue, writeValue } from "./codec.ts";
import { crc32 } from "./crc32.ts";

/**
 * The file driver's log: an 8-byte header, then commit records, each
 *
 *     u32 payload length | u32 CRC-32 of the payload | payload
 *     payload = u32 write count, then per write:
 *               u8 store index (STORE_NAMES; new stores are only ever appended) | u8 op (0 put, 1 delete)
 *               | u32 key length | key (UTF-8) | put only: u32 value length | value (codec.ts)
 *               (op 2 clears the whole store; its key is empty)
 *
 * A record is one commit: on open, a last record cut short by a crash mid-write is dropped, so a
 * commit is on disk entirely or not at all; damage anywhere else refuses to open (see parseLog).
 */
export const LOG_MAGIC = new Uint8Array([0x54, 0x53, 0x4c, 0x4f, 0x47, 0x00, 0x00, 0x01]); // "TSLOG" 0 0 1
export const RECORD_HEADER_BYTES = 8;
/** Bytes a live entry takes in a record besides its key and value (store, op, two lengths). */
export const ENTRY_OVERHEAD_BYTES = 10;

const OP_PUT = 0;
const OP_DELETE = 1;
const OP_CLEAR = 2;
const STORE_INDEX = new Map<StoreName, number>(STORE_NAMES.map((name, i) => [name, i]));

/** One write as logged: `value` is the encoded value (a view into the record), `undefined` for a delete or a clear. */
export interface LoggedWrite {
  readonly store: StoreName;
  readonly key: string;
  readonly value: Uint8Array | undefined;
  /** Empties the whole store (`key` is `""`). */
  readonly clear?: true;
  /** `entrySize(key, value)` (0 for a delete). */
  readonly size: number;
  /** UTF-8 bytes of the key. */
  readonly keyBytes: number;
}

/** What a record holds: puts (a value, or an already encoded one), deletes, and clears of a whole store. */
export type RecordWrite =
  | StorageWrite
  | { readonly store: StoreName; readonly key: string; readonly encoded: Uint8Array }
  | { readonly store: StoreName; readonly clear: true };

/** Encodes validated writes as one record; the returned writes' values are views into `bytes`. */
export function encodeRecord(batch: readonly RecordWrite[]): { bytes: Uint8Array; writes: LoggedWrite[] } {
  const w = new ByteWriter(64);
  w.u32(0);
  w.u32(0);
  w.u32(batch.length);
  const spans: Array<[start: number, end: number] | undefined> = [];
  for (const write of batch) {
    w.u8(STORE_INDEX.get(write.store) as number);
    if ("clear" in write) {
      w.u8(OP_CLEAR);
      w.string("");
      spans.push(undefined);
    } else if ("encoded" in write || write.value !== DELETE) {
      w.u8(OP_PUT);
      w.string(write.key);
      const lengthAt = w.length;
      w.u32(0);
      if ("encoded" in write) w.bytes(write.encoded);
      else writeValue(w, write.value as Exclude<StorageWrite["value"], typeof DELETE>);
      w.u32At(lengthAt, w.length - lengthAt - 4);
      spans.push([lengthAt + 4, w.length]);
    } else {
      w.u8(OP_DELETE);
      w.string(write.key);
      spans.push(undefined);
    }
  }
  const bytes = w.view().slice();
  const view = new DataView(bytes.buffer);
  view.setUint32(0, bytes.length - RECORD_HEADER_BYTES, true);
  view.setUint32(4, crc32(bytes.subarray(RECORD_HEADER_BYTES)), true);
  const writes = batch.map((write, i): LoggedWrite => {
    if ("clear" in write) return { store: write.store, key: "", value: undefined, clear: true, size: 0, keyBytes: 0 };
    const span = spans[i];
    const keyBytes = utf8Length(write.key);
    if (span === undefined) return { store: write.store, key: write.key, value: undefined, size: 0, keyBytes };
    const value = bytes.subarray(span[0], span[1]);
    return { store: write.store, key: write.key, value, size: keyBytes + measureValue(new ByteReader(value)), keyBytes };
  });
  return { bytes, writes };
}

/** What {@link parseLog} found. */
export interface ParsedLog {
  /** Every intact record's writes, in order. */
  readonly records: LoggedWrite[][];
  /** End of the last intact record: where the next record goes. */
  readonly end: number;
  /** A torn last record (crash mid-write): the file should be cut at `end`. */
  readonly torn: { readonly bytes: number; readonly reason: string } | undefined;
  /** With `salvage`: the damaged spans skipped to keep the intact records after them (empty otherwise). */
  readonly skipped: readonly DamagedSpan[];
}

/** Bytes of a log that were not an intact record. */
export interface DamagedSpan {
  readonly at: number;
  readonly bytes: number;
  readonly reason: string;
}

/** Options of {@link parseLog}. */
export interface ParseOptions {
  /** Keep the intact records after damage instead of throwing (`fileStorage({ salvage: true })`). */
  readonly salvage?: boolean | undefined;
}

const allZero = (bytes: Uint8Array): boolean => bytes.every((b) => b === 0);

/**
 * Reads a whole log. Only damage that can be a write cut short by a crash is a torn tail,
 * reported in `torn` (the caller cuts it off):
 * - a record that claims to run past the end of the file, whose payload, walked field by field,
 *   runs past the end too (a prefix of one record); or
 * - zeros from the damaged record to the end, or a whole record failing its checksum followed only
 *   by zeros (file systems that extend a file before its data lands).
 * Anything else (a complete payload followed by more bytes, a field that contradicts the record's
 * length, a bad checksum with data after it) is damage before good records: `storage_unavailable`
 * saying where and what to do, or with `salvage` the damaged span is skipped up to the next intact
 * record and listed in `skipped`.
 */
export function parseLog(file: Uint8Array, path: string, options: ParseOptions = {}): ParsedLog {
  if (file.length < LOG_MAGIC.length || LOG_MAGIC.some((b, i) => file[i] !== b)) {
    if (file.length < LOG_MAGIC.length && LOG_MAGIC.subarray(0, file.length).every((b, i) => file[i] === b)) {
      return { records: [], end: 0, torn: { bytes: file.length, reason: "the file header was cut short" }, skipped: [] };
    }
    throw new ThreadspaceError("storage_unavailable", `storage (file): ${path} is not a Threadspace log (its header is wrong); move it away or pick another dir.`);
  }
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const records: LoggedWrite[][] = [];
  const skipped: DamagedSpan[] = [];
  let pos = LOG_MAGIC.length;
  while (pos < file.length) {
    const problem = checkRecord(file, view, pos);
    if (problem === undefined) {
      const length = view.getUint32(pos, true);
      const end = pos + RECORD_HEADER_BYTES + length;
      const writes = readPayload(file, pos + RECORD_HEADER_BYTES, end, path, options.salvage === true);
      if (writes !== undefined) {
        records.push(writes);
        pos = end;
        continue;
      }
    }
    const reason = problem?.reason ?? "a record passes its checksum but cannot be read";
    if (problem !== undefined && isTornTail(file, view, pos)) {
      return { records, end: pos, torn: { bytes: file.length - pos, reason }, skipped };
    }
    if (options.salvage !== true) {
      throw new ThreadspaceError(
        "storage_unavailable",
        `storage (file): ${path} is damaged at byte ${pos} (${reason}) and intact data may follow, so it was not written by a crash mid-commit; nothing was changed. Restore the file from a backup, or open it once with fileStorage({ dir, salvage: true }), which keeps every intact record and moves the damaged file aside.`,
      );
    }
    const next = nextIntactRecord(file, view, pos + 1);
    skipped.push({ at: pos, bytes: next - pos, reason });
    pos = next;
  }
  return { records, end: pos, torn: undefined, skipped };
}

function checkRecord(file: Uint8Array, view: DataView, pos: number): { reason: string } | undefined {
  if (file.length - pos < RECORD_HEADER_BYTES) return { reason: "a record header was cut short" };
  const length = view.getUint32(pos, true);
  const end = pos + RECORD_HEADER_BYTES + length;
  if (end > file.length) return { reason: `a record of ${length} bytes was cut short` };
  if (length < 4) return { reason: "a record is empty" };
  if (crc32(file.subarray(pos + RECORD_HEADER_BYTES, end)) !== view.getUint32(pos + 4, true)) return { reason: "a record fails its checksum" };
  return undefined;
}

/** True when the damaged record at `pos` can be a crash's torn write (see {@link parseLog}). */
function isTornTail(file: Uint8Array, view: DataView, pos: number): boolean {
  if (allZero(file.subarray(pos))) return true;
  if (file.length - pos < RECORD_HEADER_BYTES) return true;
  const claimedEnd = pos + RECORD_HEADER_BYTES + view.getUint32(pos, true);
  const walked = walkPayload(file, view, pos + RECORD_HEADER_BYTES, claimedEnd);
  if (walked === "invalid") return false;
  if (walked === "past-end") return claimedEnd > file.length;
  // A whole payload: torn only if it fills the claimed length and only zeros follow.
  return walked === claimedEnd && claimedEnd <= file.length && allZero(file.subarray(claimedEnd));
}

/**
 * Walks a record's payload by its own fields (count, store, op, key and value lengths) without
 * trusting the checksum: where it ends, `past-end` if the file ends first, or `invalid` if a field
 * is impossible or runs past `claimedEnd` (the record's length) inside the file.
 */
function walkPayload(file: Uint8Array, view: DataView, start: number, claimedEnd: number): number | "past-end" | "invalid" {
  const limit = Math.min(claimedEnd, file.length);
  let at = start;
  const need = (bytes: number): "ok" | "past-end" | "invalid" => (at + bytes <= limit ? "ok" : at + bytes > file.length && claimedEnd > file.length ? "past-end" : "invalid");
  let check = need(4);
  if (check !== "ok") return check;
  const count = view.getUint32(at, true);
  at += 4;
  if (count === 0) return "invalid";
  for (let i = 0; i < count; i++) {
    if ((check = need(6)) !== "ok") return check;
    const store = file[at] as number;
    const op = file[at + 1] as number;
    if (store >= STORE_NAMES.length || (op !== OP_PUT && op !== OP_DELETE && op !== OP_CLEAR)) return "invalid";
    const keyLength = view.getUint32(at + 2, true);
    at += 6;
    if ((check = need(keyLength)) !== "ok") return check;
    at += keyLength;
    if (op !== OP_PUT) continue;
    if ((check = need(4)) !== "ok") return check;
    const valueLength = view.getUint32(at, true);
    at += 4;
    if ((check = need(valueLength)) !== "ok") return check;
    at += valueLength;
  }
  return at;
}

/** The start of the next intact record (length fits, checksum matches) after `from`, or the end of the file. */
function nextIntactRecord(file: Uint8Array, view: DataView, from: number): number {
  for (let at = from; at + RECORD_HEADER_BYTES + 4 <= file.length; at++) {
    const length = view.getUint32(at, true);
    if (length < 4 || at + RECORD_HEADER_BYTES + length > file.length) continue;
    if (walkPayload(file, view, at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + length) !== at + RECORD_HEADER_BYTES + length) continue;
    if (crc32(file.subarray(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + length)) === view.getUint32(at + 4, true)) return at;
  }
  return file.length;
}

/** A record's writes; a record that passes its checksum but cannot be read throws, or with `salvage` is `undefined` (skipped). */
function readPayload(file: Uint8Array, start: number, end: number, path: string, salvage: boolean): LoggedWrite[] | undefined {
  const r = new ByteReader(file, start, end);
  try {
    const count = r.u32();
    const writes: LoggedWrite[] = [];
    for (let i = 0; i < count; i++) {
      const store = STORE_NAMES[r.u8()];
      const op = r.u8();
      if (store === undefined || (op !== OP_PUT && op !== OP_DELETE && op !== OP_CLEAR)) throw new Error("unknown store or operation");
      const keyStart = r.pos + 4;
      const key = r.string();
      const keyBytes = r.pos - keyStart;
      if (op === OP_CLEAR) {
        writes.push({ store, key: "", value: undefined, clear: true, size: 0, keyBytes: 0 });
        continue;
      }
      if (op === OP_DELETE) {
        writes.push({ store, key, value: undefined, size: 0, keyBytes });
        continue;
      }
      const value = r.view(r.u32());
      writes.push({ store, key, value, size: keyBytes + measureValue(new ByteReader(value)), keyBytes });
    }
    if (r.pos !== end) throw new Error(`${end - r.pos} bytes left over`);
    return writes;
  } catch (error) {
    if (salvage) return undefined;
    throw new ThreadspaceError("storage_unavailable", `storage (file): ${path} has a record at byte ${start - RECORD_HEADER_BYTES} that passes its checksum but cannot be read (${error instanceof Error ? error.message : String(error)}); it was written by an incompatible version.`, { cause: error });
  }
}
