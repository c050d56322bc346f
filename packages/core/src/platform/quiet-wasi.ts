import { createRequire } from "node:module";

let loaded = false;

/**
 * Loads `node:wasi` once while holding back the one ExperimentalWarning it emits ("WASI is an
 * experimental feature"), so that a later import of @extism/extism (which imports it statically)
 * prints nothing on the embedder's terminal. Node warns when the module loads, Deno when the first
 * `WASI` is constructed: one is constructed here (with nothing mounted) for that. Every other
 * warning passes through unchanged, and a runtime without `node:wasi` is left alone.
 */
export function loadWasiQuietly(): void {
  if (loaded) return;
  loaded = true;
  const emitWarning = process.emitWarning;
  process.emitWarning = function quietWasi(this: typeof process, warning: string | Error, ...rest: unknown[]): void {
    const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: unknown } | undefined)?.type;
    const text = typeof warning === "string" ? warning : warning.message;
    if (type === "ExperimentalWarning" && text.startsWith("WASI ")) return;
    (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    const { WASI } = createRequire(import.meta.url)("node:wasi") as typeof import("node:wasi");
    new WASI({ version: "preview1" });
  } catch {
    // No node:wasi here (Extism's own build for this runtime does without it).
  } finally {
    process.emitWarning = emitWarning;
  }
}
