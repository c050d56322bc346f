/**
 * `@threadspace/cli/build`: the plugin build as a library, for tools that build plugins without
 * the command line (`@threadspace/testing`, watch loops). The same code as `threadspace build`.
 *
 * @example
 * import { buildBundle, isStale, quietIo } from "@threadspace/cli/build";
 * if (isStale(dir, manifest)) await buildBundle(quietIo(dir), dir);
 */
export { buildBundle, readBundleManifest, type BuildOptions, type BuiltPlugin } from "../commands/build.ts";
export { isStale } from "./stale.ts";
export { BuildError } from "./plugin-build.js";
export { quietIo } from "./quiet-io.ts";
export type { CliIo } from "../io.ts";
