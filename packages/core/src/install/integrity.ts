import { ThreadspaceError } from "@threadspace/errors";
import { platform } from "#platform";

/** Lowercase hex sha256 of `bytes` (node:crypto in Node, WebCrypto in browsers and workerd). */
export function sha256Hex(bytes: Uint8Array): Promise<string> {
  return platform.sha256Hex(bytes);
}

/**
 * Computes `sha256:<hex>` of the wasm and compares it with the manifest's `hash` when there is one.
 * Runs before anything compiles the bytes. Throws `hash_mismatch`.
 */
export async function checkIntegrity(bytes: Uint8Array, expected: string | undefined, plugin: string): Promise<string> {
  return compareIntegrity(`sha256:${await sha256Hex(bytes)}`, expected, plugin);
}

/** Compares a wasm's `sha256:<hex>` (computed already) with the manifest's `hash`; throws `hash_mismatch`. */
export function compareIntegrity(actual: string, expected: string | undefined, plugin: string): string {
  if (expected !== undefined && expected !== actual) {
    throw new ThreadspaceError(
      "hash_mismatch",
      `the wasm does not match plugin.json: "hash" says ${expected} but the file is ${actual}. The file was changed or corrupted; rebuild it, or update "hash" if the change is yours.`,
      { plugin },
    );
  }
  return actual;
}
