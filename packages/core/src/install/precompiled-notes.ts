import type { PluginManifest } from "@threadspace/manifest";
import type { EffectiveLimits } from "../limits/index.ts";

/**
 * What the engine cannot check or enforce on a plugin installed as a precompiled
 * `WebAssembly.Module` (workerd / Cloudflare Workers, where the runtime compiles it at deploy time):
 * the guest memory cap is written into the module's bytes before compiling, and the sha256 is
 * taken over those bytes. Shown in `engine.get(name).limitNotes`, so that nothing is skipped silently.
 */
export function precompiledNotes(manifest: PluginManifest, limits: EffectiveLimits): string[] {
  const notes = [
    `memoryPages: ${limits.memoryPages} pages (64 KiB each) is not enforced, because the plugin was installed as a precompiled WebAssembly.Module and the cap is written into the module's bytes before compiling. Its memory can grow to the module's own maximum (or 4 GiB): write the cap into the .wasm before bundling it (\`threadspace cap <bundle> --out <file.wasm>\`), or install bytes where the runtime can compile them`,
  ];
  if (manifest.hash !== undefined) {
    notes.push(`hash: ${manifest.hash} was not checked, because a precompiled WebAssembly.Module has no bytes to hash. Check the .wasm against it when you bundle the plugin`);
  }
  return notes;
}
