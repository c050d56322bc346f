/**
 * A plugin picked from the user's disk (a folder, or plugin.json and the wasm as files), turned
 * into the `{ manifest, wasm }` form `engine.install` takes. The engine validates both.
 */
import { ThreadspaceError } from "@threadspace/errors";

const fail = (message: string): ThreadspaceError => new ThreadspaceError("source_invalid", `[playground] ${message}`);

/** The file's name without the folder (a folder pick gives `dir/plugin.json`). */
const baseName = (file: File): string => file.name.split("/").pop() ?? file.name;

/** Reads plugin.json and the wasm its `main` names (default plugin.wasm, else the only .wasm). */
export async function readLocalBundle(files: readonly File[]): Promise<{ manifest: string; wasm: Uint8Array }> {
  const manifestFile = files.find((file) => baseName(file) === "plugin.json");
  if (manifestFile === undefined) {
    throw fail(`no plugin.json among the ${files.length} file(s) picked (${files.map(baseName).slice(0, 8).join(", ")}): pick the plugin's folder, or plugin.json together with its .wasm.`);
  }
  const manifest = await manifestFile.text();
  let main = "plugin.wasm";
  try {
    const parsed = JSON.parse(manifest) as { main?: unknown };
    if (typeof parsed.main === "string") main = parsed.main.split("/").pop() ?? main;
  } catch {
    // The engine reports the bad JSON with its position when it validates the manifest.
  }
  const wasms = files.filter((file) => baseName(file).endsWith(".wasm"));
  const wasmFile = wasms.find((file) => baseName(file) === main) ?? (wasms.length === 1 ? wasms[0] : undefined);
  if (wasmFile === undefined) {
    throw fail(`plugin.json names ${main} as its wasm, and ${wasms.length === 0 ? "no .wasm file was picked" : `the .wasm files picked are ${wasms.map(baseName).join(", ")}`}: pick ${main} too.`);
  }
  return { manifest, wasm: new Uint8Array(await wasmFile.arrayBuffer()) };
}
