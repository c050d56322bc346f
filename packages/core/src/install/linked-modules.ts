import { ThreadspaceError } from "@threadspace/errors";
import type { PluginManifest } from "@threadspace/manifest";
import { checkIntegrity } from "./integrity.ts";
import { assertWasmMagic, describeModule, type ModuleShape } from "./wasm-module.ts";
import { precompiledMetering, type MeteringOptions } from "../fuel/metering-policy.ts";
import { METER_VERSION } from "../metering/index.ts";
import type { CompiledWasm, ModuleCache } from "./module-cache.ts";

/** A module linked with a plugin's main module (plugin.json `modules`), checked and compiled. */
export interface LinkedModule {
  /** The import namespace the main module (or another linked one) uses for it. */
  readonly name: string;
  readonly module: WebAssembly.Module;
  readonly shape: ModuleShape;
  /** `sha256:<hex>` of its bytes; undefined for a precompiled module. */
  readonly sha256: string | undefined;
  /** What could not be checked or enforced on it, for `limitNotes`. */
  readonly notes: readonly string[];
}

/** What preparing linked modules needs: the main module's caps and the engine's compile path. */
export interface LinkOptions {
  readonly memoryPages: number | undefined;
  readonly tableElements: number | undefined;
  readonly metering: MeteringOptions | undefined;
  /** The host's fuel policy (decides whether an unmetered precompiled module is refused). */
  readonly fuel: number | undefined;
  readonly modules: ModuleCache | undefined;
  readonly compile: (bytes: Uint8Array, memoryPages: number | undefined, tableElements: number | undefined, plugin: string) => Promise<CompiledWasm>;
}

/**
 * Checks and compiles every linked module like `main`: its sha256 against plugin.json (before
 * anything compiles it), the same rewrite (fuel metering, memory and table caps), the same module
 * cache. A precompiled module is taken as it is, under the engine's metering policy.
 */
export async function prepareLinked(manifest: PluginManifest, given: Readonly<Record<string, Uint8Array | WebAssembly.Module>> | undefined, options: LinkOptions): Promise<LinkedModule[]> {
  const named = manifest.modules ?? {};
  const out: LinkedModule[] = [];
  for (const [name, entry] of Object.entries(named)) {
    const source = given?.[name];
    const label = `${manifest.name} (linked module "${name}")`;
    if (source === undefined) throw new ThreadspaceError("source_invalid", `plugin.json names linked module "${name}" (${entry.path}), but it was not read. Install from the bundle's folder, or pass { manifest, wasm, modules }.`, { plugin: manifest.name });
    if (source instanceof WebAssembly.Module) {
      out.push({ name, module: source, shape: describeModule(source), sha256: undefined, notes: [`linked module "${name}": a precompiled module, so its hash and memory cap were not checked here (cap it when bundling)`, ...precompiledMetering(source, label, options.metering, options.fuel)] });
      continue;
    }
    const bytes = source.slice();
    let sha256: string;
    try {
      sha256 = await checkIntegrity(bytes, entry.hash, manifest.name);
    } catch (error) {
      if (error instanceof ThreadspaceError) throw new ThreadspaceError(error.code, `linked module "${name}" (${entry.path}): ${error.message}`, { plugin: manifest.name, cause: error });
      throw error;
    }
    assertWasmMagic(bytes, manifest.name);
    const { memoryPages, tableElements } = options;
    const compile = () => options.compile(bytes, memoryPages, tableElements, label);
    const compiled = await (options.modules === undefined ? compile() : options.modules.get({ sha256, memoryPages, tableElements, meterVersion: METER_VERSION }, compile));
    out.push({ name, module: compiled.module, shape: compiled.shape, sha256, notes: compiled.notes.map((note) => `linked module "${name}": ${note}`) });
  }
  return out;
}

/**
 * Imports served by linked modules (an import of `name` `export` with the export's kind), added
 * to what else is served (`alsoServed`: the embedder's functions by any name).
 */
export function linkedServes(linked: readonly LinkedModule[], alsoServed?: (i: WebAssembly.ModuleImportDescriptor) => boolean): (i: WebAssembly.ModuleImportDescriptor) => boolean {
  const exports = new Map<string, Set<string>>();
  for (const each of linked) exports.set(each.name, new Set(WebAssembly.Module.exports(each.module).map((e) => `${e.kind}:${e.name}`)));
  return (i) => exports.get(i.module)?.has(`${i.kind}:${i.name}`) === true || alsoServed?.(i) === true;
}

/** Every import of a plugin that the host must serve: main's and its linked modules', without the ones linked modules serve. */
export function hostImports(shape: ModuleShape, linked: readonly LinkedModule[]): readonly WebAssembly.ModuleImportDescriptor[] {
  if (linked.length === 0) return shape.imports;
  const names = new Set(linked.map((each) => each.name));
  return [shape, ...linked.map((each) => each.shape)].flatMap((s) => s.imports).filter((i) => !names.has(i.module));
}
