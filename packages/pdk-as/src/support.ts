// Shared by the PDK tests: the test plugins under tests/fixtures/ (built by `npm run build:examples`).
import type { BundleParts, EngineLogger } from "@threadspace/core";
import { Host } from "@threadspace/host";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const fixturesDir = fileURLToPath(new URL("../tests/fixtures/", import.meta.url));

/** A PDK test plugin as `{ manifest, wasm }`, with plugin.json fields overridden. */
export function pdkFixture(name: string, overrides: Record<string, unknown> = {}): BundleParts {
  const dir = `${fixturesDir}${name}/`;
  const wasmPath = `${dir}plugin.wasm`;
  if (!existsSync(wasmPath)) throw new Error(`${wasmPath} is missing: run \`npm run build:examples\` (it builds the PDK test plugins too)`);
  const manifest = JSON.parse(readFileSync(`${dir}plugin.json`, "utf8")) as Record<string, unknown>;
  return { manifest: { ...manifest, ...overrides }, wasm: new Uint8Array(readFileSync(wasmPath)) };
}

/** An engine logger that drops everything (plugin logs stay readable through engine.logs). */
export const quiet: EngineLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** A host reply: `{"ok": value}` or `{"error": {"code", "message"}}`. */
export type Reply<T = unknown> = { ok: T; error?: undefined } | { ok?: undefined; error: { code: string; message: string } };

/** Strings that JSON escaping gets wrong easily. */
export const TRICKY_STRINGS: readonly string[] = [
  "",
  'quote " and backslash \\ and slash /',
  "\\\"",
  "new\nline, cr\r, tab\t, backspace\b, formfeed\f",
  "nul \u0000 and \u0001 \u001f \u007f",
  "Wörld 🌍",
  "日本語テキスト",
  "emoji 👩‍👩‍👧 and flags 🇳🇴",
  "line sep \u2028 para sep \u2029",
  "\uFEFF byte order mark",
  "json-ish {\"a\":[1,2]}",
  "\\u0041 is not an escape here",
  "x".repeat(5000) + "é",
];
