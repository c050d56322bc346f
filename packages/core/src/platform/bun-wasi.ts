import type { CreateExtismPlugin } from "./platform.ts";

/**
 * Extism's `createPlugin` on Bun, whose build of @extism/extism serves no WASI (its
 * `supportsWasiPreview1` is false): a plugin that imports WASI is refused up front with what to do
 * instead (Extism's own refusal says only "WASI is not supported on this platform"). The engine
 * reports it as `init_failed`, like any plugin that cannot be instantiated.
 */
export function withoutWasiOnBun(createPlugin: CreateExtismPlugin): CreateExtismPlugin {
  return (async (manifest, options) => {
    if (options?.useWasi === true) {
      throw new Error(
        "it imports WASI (wasi_snapshot_preview1), which Bun cannot serve: Extism's build for Bun has no WASI. Run this plugin on Node or Deno, or build it without WASI imports",
      );
    }
    return createPlugin(manifest, options);
  }) as CreateExtismPlugin;
}
