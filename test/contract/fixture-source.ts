import type { BundleParts } from "@threadspace/core";
import type { TestEnv } from "./test-env.ts";

/** A fixture as `{ manifest, wasm }`, with manifest fields overridden (and pooled when the env says so: {@link TestEnv.isolation}). */
export async function fixture(env: TestEnv, name: string, overrides: Record<string, unknown> = {}): Promise<BundleParts> {
  const [manifest, wasm] = await Promise.all([env.fixtureManifest(name), env.fixtureWasm(name)]);
  return { manifest: pooledIf(env, { ...manifest, ...overrides }), wasm };
}

/** The manifest with `limits.isolation` "pool" where the env runs its suites pooled and the plugin asks for "worker" or nothing. */
function pooledIf(env: TestEnv, manifest: Record<string, unknown>): Record<string, unknown> {
  if (env.isolation === undefined) return manifest;
  const limits = (manifest["limits"] ?? {}) as Record<string, unknown>;
  if (limits["isolation"] === "inline") return manifest;
  return { ...manifest, limits: { ...limits, isolation: env.isolation } };
}

/**
 * A fixture as a precompiled module that was NOT metered (its bytes compiled as they are): what a
 * workerd host without `threadspace cap --fuel` installs. Timeouts then stop it only by
 * terminating its worker (the supervisor's backstop), and it keeps no memory cap.
 */
export async function unmeteredFixture(env: TestEnv, name: string, overrides: Record<string, unknown> = {}): Promise<BundleParts> {
  const parts = await fixture(env, name, overrides);
  return { ...parts, wasm: await moduleOf(parts.wasm as Uint8Array | WebAssembly.Module) };
}

/** The bytes of a fixture's or example's wasm; throws where the runtime hands the suite modules (workerd). */
export function bytesOf(wasm: Uint8Array | WebAssembly.Module): Uint8Array {
  if (wasm instanceof WebAssembly.Module) throw new Error("this runtime hands the suite precompiled modules, not bytes");
  return wasm;
}

/** The module of a fixture's wasm: compiled from its bytes, or as workerd handed it. */
export async function moduleOf(wasm: Uint8Array | WebAssembly.Module): Promise<WebAssembly.Module> {
  return wasm instanceof WebAssembly.Module ? wasm : WebAssembly.compile(wasm as Uint8Array<ArrayBuffer>);
}

/** sha256:<hex> of bytes, computed independently of the engine. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return `sha256:${Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** A fixture's plugin.json as bytes, with its `hash` set (as a .tsp needs) and fields overridden, and its wasm bytes: what `packBundle` takes. */
export async function packable(env: TestEnv, name: string, fields: Record<string, unknown> = {}): Promise<{ manifest: Uint8Array; wasm: Uint8Array }> {
  const [manifest, wasm] = await Promise.all([env.fixtureManifest(name), env.fixtureBytes?.(name) ?? env.fixtureWasm(name).then(bytesOf)]);
  return { manifest: new TextEncoder().encode(JSON.stringify({ ...manifest, hash: await sha256(wasm), ...fields }, null, 2)), wasm };
}
