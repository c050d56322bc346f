import type { PluginManifest } from "@threadspace/manifest";
import { checkRequiredExports } from "../lifecycle/lifecycle.ts";
import { checkIntegrity } from "./integrity.ts";
import type { SourceBundle } from "./read-source.ts";
import { checkImports, compileWasm, describeModule, type ModuleShape } from "./wasm-module.ts";

/** A bundle whose wasm passed every check and is compiled, ready to instantiate. */
export interface PreparedBundle {
  readonly manifest: PluginManifest;
  readonly module: WebAssembly.Module;
  readonly shape: ModuleShape;
  readonly sha256: string | undefined;
  readonly origin: string;
}

/**
 * Checks the wasm's sha256 (before compiling), compiles it, and checks its imports and required
 * exports. Throws `hash_mismatch`, `wasm_invalid` or `export_missing`.
 */
export async function prepareBundle(bundle: SourceBundle, hostFunctions: ReadonlySet<string>): Promise<PreparedBundle> {
  const { manifest } = bundle;
  let module: WebAssembly.Module;
  let sha256: string | undefined;
  if (bundle.wasm instanceof WebAssembly.Module) {
    module = bundle.wasm;
  } else {
    sha256 = await checkIntegrity(bundle.wasm, manifest.hash, manifest.name);
    module = await compileWasm(bundle.wasm, manifest.name);
  }
  const shape = describeModule(module);
  checkImports(shape, hostFunctions, manifest.name);
  checkRequiredExports(manifest, shape.exports);
  return { manifest, module, shape, sha256, origin: bundle.origin };
}
