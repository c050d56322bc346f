import type { SignatureStatus } from "@threadspace/bundle";
import { ThreadspaceError } from "@threadspace/errors";
import { HOST_ABI_VERSION } from "@threadspace/host";
import { satisfiesVersion, type PluginManifest } from "@threadspace/manifest";
import { checkRequiredExports } from "../lifecycle/lifecycle.ts";
import { checkIntegrity } from "./integrity.ts";
import { precompiledNotes } from "./precompiled-notes.ts";
import { isMetered, precompiledMetering, type MeteringOptions } from "../fuel/metering-policy.ts";
import type { SourceBundle } from "./read-source.ts";
import { assertWasmMagic, checkImports, compileWasm, describeModule, type ModuleShape } from "./wasm-module.ts";
import { resolveLimits, type GuestMemory, type HostLimitsPolicy, type ResolvedLimits } from "../limits/index.ts";
import { rewriteModule } from "../metering/index.ts";

/** A bundle whose wasm passed every check and is compiled, ready to instantiate. */
export interface PreparedBundle {
  readonly manifest: PluginManifest;
  readonly module: WebAssembly.Module;
  readonly shape: ModuleShape;
  readonly sha256: string | undefined;
  readonly origin: string;
  /** The limits it runs under (plugin.json's, capped by the host's policy), with notes on what was capped. */
  readonly limits: ResolvedLimits;
  /** Its memory before and after the cap; undefined for a precompiled module (cap it when bundling). */
  readonly memory: { readonly before: GuestMemory | undefined; readonly after: GuestMemory | undefined } | undefined;
  /** What could not be checked or enforced on the source (a precompiled module: memory cap, hash), for `limitNotes`. */
  readonly sourceNotes: readonly string[];
  /** For a `.tsp`: what its signature check found. */
  readonly signature: SignatureStatus | undefined;
  /** True when its calls are metered (fuel counted, timeouts enforced on any thread: docs/metering.md). */
  readonly metered: boolean;
}

/**
 * Checks the wasm's sha256 (before compiling), writes the guest memory cap into it, compiles it,
 * and checks its imports and required exports. Throws `hash_mismatch`, `memory_limit`,
 * `wasm_invalid` or `export_missing`.
 */
/** plugin.json's `engine` (a semver range of the host ABI it was built for) must include this host's. */
export function checkHostAbi(manifest: PluginManifest): void {
  if (manifest.engine === undefined || satisfiesVersion(HOST_ABI_VERSION, manifest.engine)) return;
  throw new ThreadspaceError(
    "engine_incompatible",
    `was built for host ABI ${manifest.engine} (plugin.json "engine"), and this engine serves host ABI ${HOST_ABI_VERSION}. Rebuild it with a PDK for ABI ${HOST_ABI_VERSION}, or install a version of the plugin made for it.`,
    { plugin: manifest.name },
  );
}

export async function prepareBundle(bundle: SourceBundle, hostFunctions: ReadonlySet<string>, policy: HostLimitsPolicy = {}, metering?: MeteringOptions): Promise<PreparedBundle> {
  const { manifest } = bundle;
  checkHostAbi(manifest);
  const limits = resolveLimits(manifest.limits, policy, { plugin: manifest.name });
  let module: WebAssembly.Module;
  let sha256: string | undefined;
  let memory: PreparedBundle["memory"];
  let sourceNotes: string[] = [];
  let metered = false;
  if (bundle.wasm instanceof WebAssembly.Module) {
    module = bundle.wasm;
    sourceNotes = [...precompiledNotes(manifest, limits.limits), ...precompiledMetering(module, manifest.name, metering, policy.fuel)];
    metered = isMetered(module);
  } else {
    sha256 = await checkIntegrity(bundle.wasm, manifest.hash, manifest.name);
    assertWasmMagic(bundle.wasm, manifest.name);
    // One rewrite before compiling: fuel metering, the memory and table caps (docs/metering.md).
    const rewritten = rewriteModule(bundle.wasm, { fuel: true, memoryPages: limits.limits.memoryPages, tableElements: limits.limits.tableElements, plugin: manifest.name });
    memory = { before: rewritten.memoryBefore, after: rewritten.memoryAfter };
    sourceNotes = [...rewritten.notes];
    metered = true;
    module = await compileWasm(rewritten.bytes, manifest.name);
  }
  const shape = describeModule(module);
  checkImports(shape, hostFunctions, manifest.name);
  checkRequiredExports(manifest, shape.exports);
  return { manifest, module, shape, sha256, origin: bundle.origin, limits, memory, sourceNotes, signature: bundle.signature, metered };
}
