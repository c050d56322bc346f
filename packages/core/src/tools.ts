/**
 * `@threadspace/core/tools`: what tooling needs beside the engine (the `threadspace` CLI, build
 * scripts, edge deploys that meter or cap a module ahead of time): the wasm rewrite (fuel
 * metering, memory and table caps), module inspection, integrity hashes and the limits' defaults.
 * An embedder running plugins needs none of it: that API is the package's root.
 */
export { rewriteModule, readMeterSection, METER_SECTION, METER_VERSION, type MeterInfo, type RewriteOptions, type RewriteResult } from "./metering/index.ts";
export { sha256Hex, checkIntegrity } from "./install/integrity.ts";
export { describeModule, unservedImports, describeUnservedImport, builtInHostFunctions, type ModuleShape, type UnservedImport } from "./install/wasm-module.ts";
export {
  capGuestMemory,
  resolveLimits,
  readMemoryLimits,
  describeNotWasm,
  WASM_PAGE_BYTES,
  BUILT_IN_DEFAULTS,
  BUILT_IN_CEILINGS,
  type EffectiveLimits,
  type ResolvedLimits,
  type LimitNote,
  type GuestMemory,
  type MemoryLimits,
} from "./limits/index.ts";
