import type { SignatureStatus } from "@threadspace/bundle";
import type { PermissionName, PluginManifest } from "@threadspace/manifest";
import type { EffectiveLimits } from "./limits/index.ts";
import { isolationNotes } from "./isolation/isolation-policy.ts";
import { placement, type Placement } from "./isolation/placement.ts";
import type { PoolPlacement } from "./isolation/pool/pool-options.ts";
import { unmeteredFuelNote } from "./limits/limits-policy.ts";
import type { PluginRecord } from "./plugin-record.ts";
import { METER_MODULE } from "./fuel/fuel-meter.ts";
import { DEFERRED_INITIALIZE, WASI_VALUES_MODULE } from "./wasi/wasi-values-rewrite.ts";
import { describeExports, type ExportInfo } from "./exports/export-info.ts";

/**
 * `ready` serves calls; `unloaded` is installed but stopped (`engine.load(name)` starts it again);
 * `disabled` is installed but not started because its config says `enabled: false`
 * (`engine.config.set(name, { enabled: true })` starts it).
 */
export type PluginState = "ready" | "unloaded" | "disabled";

/** What the engine tells about an installed plugin (`engine.list()`, `engine.get(name)`). */
export interface PluginInfo {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly author: string;
  readonly state: PluginState;
  readonly interface: PluginManifest["interface"];
  readonly capabilities: readonly string[];
  readonly dependencies: readonly string[];
  /** Permissions the plugin asks for in plugin.json. */
  readonly permissions: readonly PermissionName[];
  /** Permissions it holds now (see `engine.permissions`). */
  readonly granted: readonly PermissionName[];
  /**
   * Exported functions (lifecycle exports included), each with its description and full input
   * and output schemas when plugin.json's `exports` declares them (docs/exports.md).
   */
  readonly exports: readonly ExportInfo[];
  /** What the wasm imports (kernel, WASI, host functions, linked modules), as built: the engine's own metering imports are not listed. */
  readonly imports: readonly PluginImport[];
  /** Modules linked with it (plugin.json `modules`): name, sha256 and imports. */
  readonly linkedModules: readonly { readonly name: string; readonly sha256: string | undefined; readonly imports: readonly PluginImport[] }[];
  /** `sha256:<hex>` of the wasm, or undefined for a precompiled module. */
  readonly sha256: string | undefined;
  /** Where it was installed from. */
  readonly origin: string;
  /**
   * For a plugin installed from a `.tsp`: its signature (`unsigned`, `trusted` or `untrusted`
   * with the `keyId`), as checked at install or, after a restore from storage, as checked again
   * then with the engine's current `trustedKeys`; undefined for other sources (and for bundles
   * stored by a Threadspace that kept no signature).
   */
  readonly signature: SignatureStatus | undefined;
  readonly installedAt: number;
  /** The limits it runs under: plugin.json's `limits`, defaults, capped by the host's policy. */
  readonly limits: EffectiveLimits;
  /**
   * What the host's policy capped ("memoryPages: asked for 1024 pages ..., capped by policy to 256"),
   * and what is not enforced: a fallback to inline, the memory cap, hash and metering of a precompiled module.
   */
  readonly limitNotes: readonly string[];
  /**
   * Where it runs now: `mode` (`"none"` when not loaded), and for a pooled plugin its `pool` and
   * the number of the pool `worker` holding its instance. `limits.isolation` is what it asked for.
   */
  readonly isolation: Placement;
  /** True when its calls are metered: fuel is counted (`result.fuel`), budgets and `timeoutMs` hold on any thread. */
  readonly metered: boolean;
  /** The plugin.json the engine validated. */
  readonly manifest: PluginManifest;
}

/** One import of a plugin's wasm. */
export interface PluginImport {
  readonly module: string;
  readonly name: string;
  readonly kind: WebAssembly.ImportExportKind;
}

/** The public import lists, by module shape's imports (shared and frozen: a compiled module's imports never change). */
const importLists = new WeakMap<readonly WebAssembly.ModuleImportDescriptor[], readonly PluginImport[]>();

function listImports(imports: readonly WebAssembly.ModuleImportDescriptor[]): readonly PluginImport[] {
  let list = importLists.get(imports);
  if (list === undefined) {
    list = Object.freeze(imports.filter((i) => i.module !== METER_MODULE).map((i) => Object.freeze({ module: i.module === WASI_VALUES_MODULE ? "wasi_snapshot_preview1" : i.module, name: i.name, kind: i.kind })));
    importLists.set(imports, list);
  }
  return list;
}

/** The public description of an installed plugin (what `engine.list()` and `engine.get()` return). */
export function describePlugin(record: PluginRecord, state: PluginState, granted: readonly PermissionName[], pooled?: Partial<PoolPlacement>): PluginInfo {
  const m = record.manifest;
  return {
    name: m.name,
    version: m.version,
    description: m.description,
    author: m.author,
    state,
    interface: m.interface,
    capabilities: m.capabilities,
    dependencies: m.dependencies,
    permissions: m.permissions,
    granted,
    limits: record.limits.limits,
    limitNotes: [
      ...record.limits.notes.map((note) => note.message),
      ...record.sourceNotes,
      ...isolationNotes(record.limits, record.runner, record.metered),
      ...(record.metered ? [] : [unmeteredFuelNote(record.limits)].filter((note) => note !== undefined)),
    ],
    // A WASI module's _initialize is renamed at install to run after the engine's WASI is bound (wasi/wasi-values-rewrite.ts): listed under its own name.
    exports: describeExports(m, record.shape.exports.map((name) => (name === DEFERRED_INITIALIZE ? "_initialize" : name))),
    imports: listImports(record.shape.imports),
    linkedModules: (record.linked ?? []).map((each) => ({ name: each.name, sha256: each.sha256, imports: listImports(each.shape.imports) })),
    sha256: record.sha256,
    origin: record.origin,
    signature: record.signature,
    installedAt: record.installedAt,
    isolation: placement(record.runner?.isolation.mode, pooled),
    metered: record.metered,
    manifest: m,
  };
}
