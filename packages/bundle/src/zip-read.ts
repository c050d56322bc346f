import { Inflate } from "fflate";
import { ThreadspaceError } from "@threadspace/errors";
import { crc32 } from "@threadspace/storage/crc32";

/** One entry of a zip's central directory. */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_ENTRIES = 16;
const INFLATE_CHUNK = 16 * 1024;

function invalid(where: string, message: string): ThreadspaceError {
  return new ThreadspaceError("bundle_invalid", `${where}${message.startsWith(":") ? "" : " "}${message}`);
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function findEndOfCentralDirectory(bytes: Uint8Array, data: DataView, where: string): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  const lowest = Math.max(0, bytes.byteLength - 22 - 0xffff);
  for (let at = bytes.byteLength - 22; at >= lowest; at--) {
    if (data.getUint32(at, true) === EOCD && at + 22 + data.getUint16(at + 20, true) === bytes.byteLength) return at;
  }
  throw invalid(where, "is not a zip file (no end of central directory record). Pack it with \"threadspace pack\".");
}

/**
 * Lists a zip's entries from its central directory. Refuses zip64, multi-disk archives, more
 * than 16 entries and entries pointing outside the file. Throws `bundle_invalid`.
 */
export function listZip(bytes: Uint8Array, where = "the zip"): ZipEntry[] {
  if (bytes.byteLength < 22) throw invalid(where, `is ${bytes.byteLength} bytes: too short to be a zip file.`);
  const data = view(bytes);
  const end = findEndOfCentralDirectory(bytes, data, where);
  const count = data.getUint16(end + 10, true);
  const directorySize = data.getUint32(end + 12, true);
  const directoryOffset = data.getUint32(end + 16, true);
  if (data.getUint16(end + 4, true) !== 0 || data.getUint16(end + 8, true) !== count) throw invalid(where, "spans several disks, which is not supported.");
  if (count === 0xffff || directoryOffset === 0xffffffff) throw invalid(where, "is a zip64 archive, which is not supported: a plugin bundle is far smaller.");
  if (count > MAX_ENTRIES) throw invalid(where, `has ${count} entries; a plugin bundle has at most plugin.json, the wasm, README.md and signature.json.`);
  if (directoryOffset + directorySize > end) throw invalid(where, "has a central directory outside the file (damaged or truncated).");
  const entries: ZipEntry[] = [];
  let at = directoryOffset;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || data.getUint32(at, true) !== CENTRAL) throw invalid(where, "has a damaged central directory.");
    const nameLength = data.getUint16(at + 28, true);
    const next = at + 46 + nameLength + data.getUint16(at + 30, true) + data.getUint16(at + 32, true);
    if (next > end) throw invalid(where, "has a damaged central directory.");
    let name: string;
    try {
      name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    } catch {
      throw invalid(where, "has an entry whose name is not UTF-8.");
    }
    const entry: ZipEntry = {
      name,
      flags: data.getUint16(at + 8, true),
      method: data.getUint16(at + 10, true),
      crc: data.getUint32(at + 16, true),
      compressedSize: data.getUint32(at + 20, true),
      size: data.getUint32(at + 24, true),
      localOffset: data.getUint32(at + 42, true),
    };
    if (entry.size === 0xffffffff || entry.compressedSize === 0xffffffff || entry.localOffset === 0xffffffff) throw invalid(where, `: entry "${name}" uses zip64 sizes, which are not supported.`);
    entries.push(entry);
    at = next;
  }
  return entries;
}

function inflateCapped(compressed: Uint8Array, size: number, name: string, where: string): Uint8Array {
  const out = new Uint8Array(size);
  let written = 0;
  let done = false;
  const inflate = new Inflate((chunk, final) => {
    if (written + chunk.byteLength > size) throw invalid(where, `: entry "${name}" inflates to more than the ${size} bytes its header declares (a zip bomb or a damaged file).`);
    out.set(chunk, written);
    written += chunk.byteLength;
    if (final) done = true;
  });
  try {
    for (let at = 0; at < compressed.byteLength; at += INFLATE_CHUNK) {
      inflate.push(compressed.subarray(at, at + INFLATE_CHUNK), at + INFLATE_CHUNK >= compressed.byteLength);
    }
    if (compressed.byteLength === 0) inflate.push(compressed, true);
  } catch (error) {
    if (error instanceof ThreadspaceError) throw error;
    throw new ThreadspaceError("bundle_invalid", `${where}: entry "${name}" is not valid deflate data (damaged file).`, { cause: error });
  }
  if (!done || written !== size) throw invalid(where, `: entry "${name}" inflates to ${written} bytes, not the ${size} its header declares (damaged file).`);
  return out;
}

/**
 * Reads one entry's bytes (stored or deflated), never producing more than its declared size,
 * and checks its CRC-32. Refuses encrypted entries and other compression methods.
 */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, where = "the zip"): Uint8Array {
  const { name } = entry;
  if (entry.flags & 0x1) throw invalid(where, `: entry "${name}" is encrypted, which is not supported.`);
  const data = view(bytes);
  const local = entry.localOffset;
  if (local + 30 > bytes.byteLength || data.getUint32(local, true) !== LOCAL) throw invalid(where, `: entry "${name}" has no local header where the directory says (damaged file).`);
  const nameLength = data.getUint16(local + 26, true);
  const start = local + 30 + nameLength + data.getUint16(local + 28, true);
  const localName = bytes.subarray(local + 30, local + 30 + nameLength);
  if (new TextDecoder().decode(localName) !== name) throw invalid(where, `: entry "${name}" is named differently in its local header (damaged or crafted file).`);
  if (start + entry.compressedSize > bytes.byteLength) throw invalid(where, `: entry "${name}" runs past the end of the file (truncated).`);
  const compressed = bytes.subarray(start, start + entry.compressedSize);
  let content: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw invalid(where, `: entry "${name}" is stored with two different sizes (damaged file).`);
    content = compressed.slice();
  } else if (entry.method === 8) {
    content = inflateCapped(compressed, entry.size, name, where);
  } else {
    throw invalid(where, `: entry "${name}" uses compression method ${entry.method}; only stored (0) and deflate (8) are supported.`);
  }
  if (crc32(content) !== entry.crc) throw invalid(where, `: entry "${name}" fails its CRC-32 check (damaged file).`);
  return content;
}
