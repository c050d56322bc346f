import type { SignatureStatus } from "@threadspace/bundle";
import { ThreadspaceError } from "@threadspace/errors";
import { HOST_ABI_VERSION } from "@threadspace/host";
import { satisfiesVersion, type PluginManifest } from "@threadspace/manifest";
import { checkRequiredExports } from "../lifecycle/lifecycle.ts";
import { checkIntegrity, compareIntegrity } from "./integrity.ts";
import { checkDeclaredExports, checkExportSchemasCompile } from "../exports/declared-exports.ts";
import { precompiledNotes } from "./precompiled-notes.ts";
import { isMetered, precompiledMetering, type MeteringOptions } from "../fuel/metering-policy.ts";
import type { SourceBundle } from "./read-source.ts";
import { assertWasmMagic, checkImports, compileWasm, describeModule, type ModuleShape } from "./wasm-module.ts";
import { resolveLimits, type GuestMemory, type HostLimitsPolicy, type ResolvedLimits } from "../limits/index.ts";
import { METER_VERSION, rewriteModule } from "../metering/index.ts";
import { routeWasiValues } from "../wasi/wasi-values-rewrite.ts";
import type { CompiledWasm, ModuleCache } from "./module-cache.ts";
import { linkedServes, prepareLinked, type LinkedModule } from "./linked-modules.ts";

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
  /** Modules linked with it (plugin.json `modules`), checked, capped and metered like it. */
  readonly linked: readonly LinkedModule[];
}

/** What {@link prepareBundle} checks a bundle against. */
export interface PrepareOptions {
  /** Every import name the host serves (`ts_kv_get`, ...). */
  readonly hostFunctions: ReadonlySet<string>;
  /** The host's limits policy (default: none). */
  readonly policy?: HostLimitsPolicy | undefined;
  readonly metering?: MeteringOptions | undefined;
  /** The engine's compiled modules (none: compile every time). */
  readonly modules?: ModuleCache | undefined;
  /** Imports served besides the host's functions (the embedder's host functions by any name). */
  readonly alsoServed?: ((i: WebAssembly.ModuleImportDescriptor) => boolean) | undefined;
  /** Route main's WASI clock and random imports to the engine's own, recorded in traces (wasi/wasi-values-rewrite.ts); false where Extism's runInWorker runs plugins (it gives no access to the memory). */
  readonly wasiValues?: boolean | undefined;
}

/** plugin.json's `engine` (a semver range of the host ABI it was built for) must include this host's. */
export function checkHostAbi(manifest: PluginManifest): void {
  if (manifest.engine === undefined || satisfiesVersion(HOST_ABI_VERSION, manifest.engine)) return;
  throw new ThreadspaceError(
    "engine_incompatible",
    `was built for host ABI ${manifest.engine} (plugin.json "engine"), and this engine serves host ABI ${HOST_ABI_VERSION}. Rebuild it with a PDK for ABI ${HOST_ABI_VERSION}, or install a version of the plugin made for it.`,
    { plugin: manifest.name },
  );
}

/**
 * Checks the wasm's sha256 (before anything compiles or reuses a compile of it), writes the fuel
 * metering and the memory and table caps into it, compiles it (or takes the module `modules`
 * holds for the same sha256 and rewrite options), and checks its imports and required exports.
 * Throws `hash_mismatch`, `memory_limit`, `wasm_invalid` or `export_missing`.
 */
export async function prepareBundle(bundle: SourceBundle, options: PrepareOptions): Promise<PreparedBundle> {
  const { hostFunctions, policy = {}, metering, modules, alsoServed } = options;
  const { manifest } = bundle;
  checkHostAbi(manifest);
  const limits = resolveLimits(manifest.limits, policy, { plugin: manifest.name });
  let module: WebAssembly.Module;
  let sha256: string | undefined;
  let memory: PreparedBundle["memory"];
  let sourceNotes: string[] = [];
  let metered = false;
  let shape: ModuleShape;
  if (bundle.wasm instanceof WebAssembly.Module) {
    module = bundle.wasm;
    shape = describeModule(module);
    sourceNotes = [...precompiledNotes(manifest, limits.limits), ...precompiledMetering(module, manifest.name, metering, policy.fuel)];
    metered = isMetered(module);
  } else {
    // A private copy: what is hashed is what is compiled and cached under that hash, even if
    // the caller's array changes meanwhile (a poisoned entry would serve later installs). A
    // bundle from readSource owns its bytes and was hashed once as it was read.
    const bytes = bundle.sha256 === undefined ? bundle.wasm.slice() : bundle.wasm;
    const checked = bundle.sha256 === undefined ? await checkIntegrity(bytes, manifest.hash, manifest.name) : compareIntegrity(await bundle.sha256, manifest.hash, manifest.name);
    sha256 = checked;
    assertWasmMagic(bytes, manifest.name);
    const { memoryPages, tableElements } = limits.limits;
    const wasiValues = options.wasiValues === true;
    const compile = () => rewriteAndCompile(bytes, memoryPages, tableElements, manifest.name, wasiValues);
    const compiled = await (modules === undefined ? compile() : modules.get({ sha256: checked, memoryPages, tableElements, meterVersion: METER_VERSION, wasiValues }, compile));
    memory = { before: compiled.memoryBefore, after: compiled.memoryAfter };
    sourceNotes = [...compiled.notes];
    metered = true;
    module = compiled.module;
    shape = compiled.shape;
  }
  const { memoryPages, tableElements } = limits.limits;
  const linked = await prepareLinked(manifest, bundle.linked, { memoryPages, tableElements, metering, fuel: policy.fuel, modules, compile: rewriteAndCompile });
  const served = linkedServes(linked, alsoServed);
  checkImports(shape, hostFunctions, manifest.name, served);
  for (const each of linked) checkImports(each.shape, hostFunctions, `${manifest.name} (linked module "${each.name}")`, served);
  checkRequiredExports(manifest, shape.exports);
  checkDeclaredExports(manifest, shape.exports);
  checkExportSchemasCompile(manifest);
  return { manifest, module, shape, sha256, origin: bundle.origin, limits, memory, sourceNotes: [...sourceNotes, ...linked.flatMap((each) => each.notes)], signature: bundle.signature, metered, linked };
}

/** One rewrite before compiling: fuel metering, the memory and table caps (docs/metering.md). */
export async function rewriteAndCompile(bytes: Uint8Array, memoryPages: number | undefined, tableElements: number | undefined, plugin: string, wasiValues = false): Promise<CompiledWasm> {
  const rewritten = rewriteModule(bytes, { fuel: true, memoryPages, tableElements, plugin });
  const module = await compileWasm(wasiValues ? routeWasiValues(rewritten.bytes, plugin) : rewritten.bytes, plugin);
  const freeze = (memory: GuestMemory | undefined) => (memory === undefined ? undefined : Object.freeze({ ...memory }));
  // Shared by every install of these bytes: nothing in it may change.
  const shape = describeModule(module);
  Object.freeze(shape.exports);
  Object.freeze(shape.imports);
  return { module, shape: Object.freeze(shape), memoryBefore: freeze(rewritten.memoryBefore), memoryAfter: freeze(rewritten.memoryAfter), notes: Object.freeze([...rewritten.notes]) };
}
