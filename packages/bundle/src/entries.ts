/** plugin.json's name inside a .tsp. */
export const MANIFEST_ENTRY = "plugin.json";
/** The optional README's name inside a .tsp. */
export const README_ENTRY = "README.md";
/** The optional signature's name inside a .tsp. */
export const SIGNATURE_ENTRY = "signature.json";
/** README.md may be at most this large. */
export const MAX_README_BYTES = 1024 * 1024;
/** The default cap on the wasm inside a .tsp (as `createEngine({ maxWasmBytes })`'s default). */
export const DEFAULT_MAX_WASM_BYTES = 64 * 1024 * 1024;

/** Why an entry name is unsafe to use as a path (absolute, `..`, backslashes, ...), or `undefined`. */
export function unsafePathReason(name: string): string | undefined {
  if (name.length === 0) return "is empty";
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) return "is an absolute path";
  if (name.includes("\\")) return "contains a backslash";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return "contains a control character";
  const segments = name.split("/");
  if (segments.includes("..")) return "climbs out of the bundle (..)";
  if (segments.some((s) => s === "" || s === ".")) return "has an empty or \".\" path segment";
  return undefined;
}

/** The wasm's entry name for a manifest `main` ("./build/x.wasm" → "build/x.wasm"). */
export function wasmEntryName(main: string): string {
  return main.split("/").filter((segment) => segment !== ".").join("/");
}
