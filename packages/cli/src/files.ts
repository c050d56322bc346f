import { chmod, rename, stat, unlink, writeFile } from "node:fs/promises";
import { FileRefusedError, readRegularFile } from "@threadspace/core/read-file";
import { basename, dirname, join, resolve } from "node:path";
import { ThreadspaceError } from "@threadspace/errors";
import type { CliIo } from "./io.ts";

/** The largest wasm the CLI reads, like the engine's default `maxWasmBytes` (64 MiB). */
export const MAX_WASM_BYTES = 64 * 1024 * 1024;

/** A file is larger than the command accepts; thrown before its contents are read. */
export class FileTooLargeError extends Error {
  override readonly name = "FileTooLargeError";

  constructor(
    readonly path: string,
    readonly size: number,
    readonly maxBytes: number,
  ) {
    super(`${path} is ${size} bytes, more than the ${maxBytes} accepted`);
  }
}

/** True for "no such file" errors from node:fs. */
export function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/**
 * Reads a regular file the way the engine reads bundle files (`readRegularFile`: no blocking on
 * a FIFO, `fstat` before reading, only regular files), refusing one larger than `maxBytes` by its
 * size (`FileTooLargeError`). With `within` (the bundle folder), the file must resolve inside it.
 */
export async function readFileCapped(path: string, maxBytes: number, within?: string): Promise<Uint8Array> {
  try {
    return await readRegularFile(path, maxBytes, within);
  } catch (error) {
    if (error instanceof FileRefusedError && error.reason === "too_large") throw new FileTooLargeError(path, error.size ?? 0, maxBytes);
    throw error;
  }
}

/** Where a bundle's files are, from a bundle directory or a plugin.json path. */
export interface BundleLocation {
  /** The bundle directory (absolute). */
  readonly dir: string;
  /** Its plugin.json (absolute). */
  readonly manifestPath: string;
}

/**
 * Resolves a command-line target (a bundle directory, or a path to its plugin.json) against the
 * working directory. Throws `source_invalid` when nothing is there.
 */
export async function locateBundle(io: CliIo, target: string): Promise<BundleLocation> {
  const path = resolve(io.cwd, target);
  const info = await stat(path).catch((cause: unknown) => {
    throw new ThreadspaceError("source_invalid", `no such file or directory: ${target}. Pass a plugin's folder (the one holding plugin.json).`, { cause });
  });
  if (info.isDirectory()) return { dir: path, manifestPath: join(path, "plugin.json") };
  return { dir: dirname(path), manifestPath: path };
}

/** True when `bytes` start with the WebAssembly magic number `\0asm`. */
export function hasWasmMagic(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 8 && bytes[0] === 0x00 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
}

/** Replaces a file's contents atomically (write a sibling temp file, then rename it over), keeping its mode; creates it when missing. */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const mode = await stat(path).then((info) => info.mode & 0o777, (cause: unknown) => (isNotFound(cause) ? undefined : Promise.reject(cause)));
  try {
    await writeFile(temp, content, { flag: "wx" });
    if (mode !== undefined) await chmod(temp, mode);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
