import { resolve } from "node:path";
import { maxBundleBytes, unpackBundle, type UnpackedBundle } from "@threadspace/bundle";
import { ThreadspaceError, messageOf } from "@threadspace/errors";
import { MAX_WASM_BYTES, isNotFound, readFileCapped } from "./files.ts";
import type { CliIo } from "./io.ts";
import { displayPath } from "./output.ts";

/** True for a command-line target naming a packed bundle. */
export function isTspPath(target: string): boolean {
  return target.toLowerCase().endsWith(".tsp");
}

/** Reads a .tsp file (capped like the engine's default) as bytes; `source_invalid` when it cannot be read. */
export async function readTspBytes(io: CliIo, file: string): Promise<{ path: string; shown: string; bytes: Uint8Array }> {
  const path = resolve(io.cwd, file);
  const shown = displayPath(io, path);
  const bytes = await readFileCapped(path, maxBundleBytes(MAX_WASM_BYTES)).catch((cause: unknown) => {
    const why = isNotFound(cause) ? "it does not exist" : messageOf(cause);
    throw new ThreadspaceError("source_invalid", `cannot read ${shown}: ${why}. Create one with "threadspace pack <dir>".`, { cause });
  });
  return { path, shown, bytes };
}

/** Reads and strictly unpacks a .tsp file (no hash or signature check yet). */
export async function readTspFile(io: CliIo, file: string): Promise<{ path: string; shown: string; bytes: Uint8Array; bundle: UnpackedBundle }> {
  const read = await readTspBytes(io, file);
  return { ...read, bundle: unpackBundle(read.bytes, { maxWasmBytes: MAX_WASM_BYTES, origin: read.shown }) };
}
