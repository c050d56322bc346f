import { constants } from "node:fs";
import { open, realpath, type FileHandle } from "node:fs/promises";
import { isAbsolute, relative } from "node:path";
import { ThreadspaceError } from "@threadspace/errors";

/** Why {@link readRegularFile} refused a file. */
export type FileRefusal = "too_large" | "not_regular" | "outside";

/** A file {@link readRegularFile} would not read (Node only: `@threadspace/core/read-file`) (`source_invalid`); its message never quotes the file's contents. */
export class FileRefusedError extends ThreadspaceError {
  constructor(
    readonly reason: FileRefusal,
    readonly path: string,
    message: string,
    /** The file's size, for `too_large`. */
    readonly size?: number,
  ) {
    super("source_invalid", message);
  }
}

/**
 * `O_NONBLOCK`: opening a FIFO for reading returns at once instead of waiting for a writer (which
 * would hold one of libuv's four pool threads for ever). Regular files ignore it. `O_NOFOLLOW`:
 * the path opened is the resolved one, so its last part must not have become a symlink since.
 * Both are 0 where the platform lacks them (Windows has no FIFOs and no such symlink race).
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

function kindOf(info: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (info.isDirectory()) return "a directory";
  if (info.isFIFO()) return "a FIFO (named pipe)";
  if (info.isCharacterDevice() || info.isBlockDevice()) return "a device";
  if (info.isSocket()) return "a socket";
  return "not a regular file";
}

/** True when `path` is `root` or inside it (both real, absolute paths). */
function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * Reads a file the way every bundle file is read (the engine's Node platform and the CLI):
 * - with `within`, the file's real path (symlinks resolved) must lie inside `within`'s real path,
 *   else `outside` (a symlink inside the bundle to a file inside it is fine);
 * - it is opened without blocking and checked with `fstat` on the open handle: only a regular
 *   file is read (a FIFO, device, directory or socket is `not_regular`), and its size is checked
 *   against `maxBytes` before any byte is read (`too_large`);
 * - at most the size `fstat` reported is read.
 * Errors are `FileRefusedError`s (`source_invalid`) naming the path and what to do, never the
 * contents; a missing file rejects with Node's own `ENOENT` error.
 */
export async function readRegularFile(path: string, maxBytes: number, within?: string): Promise<Uint8Array> {
  let target = path;
  if (within !== undefined) {
    const [root, real] = await Promise.all([realpath(within), realpath(path)]);
    if (!isInside(root, real)) {
      throw new FileRefusedError("outside", path, `${path} resolves to ${real}, outside the bundle folder ${root}. A bundle may only use files inside its folder (a symlink must point inside it too).`);
    }
    target = real;
  }
  let file: FileHandle;
  try {
    file = await open(target, OPEN_FLAGS);
  } catch (error) {
    // O_NOFOLLOW on a symlink (swapped in after realpath): refuse rather than follow it.
    if ((error as { code?: string }).code === "ELOOP") throw new FileRefusedError("outside", path, `${path} became a symlink while it was being read; refusing to follow it.`);
    throw error;
  }
  try {
    const info = await file.stat();
    if (!info.isFile()) throw new FileRefusedError("not_regular", path, `${path} is ${kindOf(info)}, not a regular file; only regular files are read from a bundle.`);
    if (info.size > maxBytes) throw new FileRefusedError("too_large", path, `${path} is ${info.size} bytes, more than the ${maxBytes} allowed.`, info.size);
    const out = new Uint8Array(info.size);
    let offset = 0;
    while (offset < out.byteLength) {
      const { bytesRead } = await file.read(out, offset, out.byteLength - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return out.subarray(0, offset);
  } finally {
    await file.close();
  }
}
