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
 * A record is one commit: on open, a record that is cut short or fails its checksum at the end of
 * the file (a crash mid-write) is dropped, so a commit is on disk entirely or not at all.
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
}

const allZero = (bytes: Uint8Array): boolean => bytes.every((b) => b === 0);

/**
 * Reads a whole log. A damaged record followed only by zeros (or nothing) is a torn tail and is
 * reported in `torn`; damage followed by more data is corruption and throws `storage_unavailable`
 * (dropping the later commits would lose acknowledged data).
 */
export function parseLog(file: Uint8Array, path: string): ParsedLog {
  if (file.length < LOG_MAGIC.length || LOG_MAGIC.some((b, i) => file[i] !== b)) {
    if (file.length < LOG_MAGIC.length && LOG_MAGIC.subarray(0, file.length).every((b, i) => file[i] === b)) {
      return { records: [], end: 0, torn: { bytes: file.length, reason: "the file header was cut short" } };
    }
    throw new ThreadspaceError("storage_unavailable", `storage (file): ${path} is not a Threadspace log (its header is wrong); move it away or pick another dir.`);
  }
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const records: LoggedWrite[][] = [];
  let pos = LOG_MAGIC.length;
  while (pos < file.length) {
    const problem = checkRecord(file, view, pos);
    if (problem !== undefined) {
      const after = problem.next === undefined ? file.subarray(file.length) : file.subarray(problem.next);
      if (problem.next !== undefined && !allZero(after)) {
        throw new ThreadspaceError("storage_unavailable", `storage (file): ${path} is damaged at byte ${pos} (${problem.reason}) and more data follows; it was not written by a crash mid-commit. Restore it from a backup, or cut it at byte ${pos} to keep the commits before.`);
      }
      return { records, end: pos, torn: { bytes: file.length - pos, reason: problem.reason } };
    }
    const length = view.getUint32(pos, true);
    records.push(readPayload(file, pos + RECORD_HEADER_BYTES, pos + RECORD_HEADER_BYTES + length, path));
    pos += RECORD_HEADER_BYTES + length;
  }
  return { records, end: pos, torn: undefined };
}

function checkRecord(file: Uint8Array, view: DataView, pos: number): { reason: string; next: number | undefined } | undefined {
  if (file.length - pos < RECORD_HEADER_BYTES) return { reason: "a record header was cut short", next: undefined };
  const length = view.getUint32(pos, true);
  const end = pos + RECORD_HEADER_BYTES + length;
  if (end > file.length) return { reason: `a record of ${length} bytes was cut short`, next: undefined };
  if (length < 4) return { reason: "a record is empty", next: end };
  if (crc32(file.subarray(pos + RECORD_HEADER_BYTES, end)) !== view.getUint32(pos + 4, true)) return { reason: "a record fails its checksum", next: end };
  return undefined;
}

function readPayload(file: Uint8Array, start: number, end: number, path: string): LoggedWrite[] {
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
    throw new ThreadspaceError("storage_unavailable", `storage (file): ${path} has a record at byte ${start - RECORD_HEADER_BYTES} that passes its checksum but cannot be read (${error instanceof Error ? error.message : String(error)}); it was written by an incompatible version.`, { cause: error });
  }
}
