import { sha256Hex } from "./sha256.ts";

/** Some bytes standing in for a wasm (the bundle layer never compiles it). */
export const WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...new TextEncoder().encode("not compiled here")]);

/** plugin.json bytes for `wasm`, with `hash` set and fields overridden. */
export async function manifestFor(wasm: Uint8Array, fields: Record<string, unknown> = {}): Promise<Uint8Array> {
  const manifest = { name: "demo", version: "1.0.0", description: "a demo", hash: `sha256:${await sha256Hex(wasm)}`, ...fields };
  return new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
}
