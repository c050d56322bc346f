import type { BundleParts } from "@threadspace/core";
import type { TestEnv } from "./test-env.ts";

/** A fixture as `{ manifest, wasm }`, with manifest fields overridden. */
export async function fixture(env: TestEnv, name: string, overrides: Record<string, unknown> = {}): Promise<BundleParts> {
  const [manifest, wasm] = await Promise.all([env.fixtureManifest(name), env.fixtureWasm(name)]);
  return { manifest: { ...manifest, ...overrides }, wasm };
}

/** sha256:<hex> of bytes, computed independently of the engine. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return `sha256:${Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
