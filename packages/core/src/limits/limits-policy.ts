import { ThreadspaceError } from "@threadspace/errors";
import { MAX_MEMORY_PAGES, MAX_TABLE_ELEMENTS, type PluginLimits } from "@threadspace/manifest";

/** The numeric limits (everything in `limits` but `isolation`). */
export type NumericLimitKey = Exclude<keyof PluginLimits, "isolation">;
/** Where a plugin runs, from the least isolated to the most ({@link ISOLATIONS}). */
export type Isolation = (typeof ISOLATIONS)[number];
/**
 * Every isolation, weakest first: `inline` (the engine's thread), `pool` (an Extism instance of
 * its own in a worker shared with other plugins), `worker` (a worker of its own).
 */
export const ISOLATIONS = ["inline", "pool", "worker"] as const;
const rankOf = (isolation: Isolation): number => ISOLATIONS.indexOf(isolation);

/**
 * The host's limits policy: `createEngine({ limits })`. The same names as plugin.json's
 * `limits`, each the MOST a plugin may get (a ceiling, not a grant); `defaults` are what a
 * plugin that asks for nothing gets (still under the ceiling). A ceiling the host leaves out
 * is {@link BUILT_IN_CEILINGS}' (none for `fuel`); a default it leaves out is
 * {@link BUILT_IN_DEFAULTS}'.
 *
 * `isolation` is a floor rather than a ceiling, on the order `inline` < `pool` < `worker`:
 * `"worker"` runs every plugin in a worker of its own, `"pool"` every plugin at least in a pool
 * worker (one that asks for less is moved, with a note; one that asks for `"worker"` keeps it);
 * `"inline"` (or nothing) lets each plugin choose, `defaults.isolation` deciding for those that do not.
 *
 * @example
 * const policy: HostLimitsPolicy = { memoryPages: 1024, timeoutMs: 10_000, isolation: "worker", defaults: { memoryPages: 128 } };
 */
export interface HostLimitsPolicy extends PluginLimits {
  /** What a plugin gets for a limit it does not ask for. */
  readonly defaults?: PluginLimits;
}

/** The limits a plugin runs under, every one decided. */
export interface EffectiveLimits {
  /** Longest a call may run, in milliseconds (checked by the fuel meter at the end of each slice, and by worker isolation). */
  readonly timeoutMs: number;
  /** Most guest memory, in 64 KiB pages: the cap written into the module before compiling. */
  readonly memoryPages: number;
  /** Largest call input, in bytes. */
  readonly maxInputBytes: number;
  /** Largest call output, in bytes. */
  readonly maxOutputBytes: number;
  /** Most host-function calls during one plugin call. */
  readonly hostCallsPerCall: number;
  /** Most events the plugin may emit per second. */
  readonly eventsPerSecond: number;
  /** Most bytes of key-value state the plugin may keep. */
  readonly storageBytes: number;
  /** Most fuel per call; `undefined`: no fuel limit (calls are still metered, and timed). */
  readonly fuel: number | undefined;
  /** Most bytes the plugin may make the host hold through the Extism kernel: blocks (allocated, or host replies it keeps) and vars. */
  readonly hostMemoryBytes: number;
  /** Most bytes of Extism vars (keys and values). */
  readonly maxVarBytes: number;
  /** Most elements each table may hold: the maximum written into the module before compiling. */
  readonly tableElements: number;
  /** Where the plugin runs. */
  readonly isolation: Isolation;
}

/**
 * Where an effective value came from: `plugin` (asked for and granted as asked), `policy`
 * (asked for more than the ceiling, or `inline` under a `worker` policy: see the note),
 * `default` (not asked for), `unset` (not asked for and no default: `fuel` only).
 */
export type LimitSource = "plugin" | "policy" | "default" | "unset";

/** A limit that the plugin did not get as it asked. */
export interface LimitNote {
  readonly limit: keyof PluginLimits;
  readonly requested: number | Isolation;
  readonly granted: number | Isolation;
  /** `host`: the host's policy set the ceiling; `built-in`: {@link BUILT_IN_CEILINGS} did. */
  readonly ceiling: "host" | "built-in";
  /** For people, e.g. `memoryPages: asked for 1024 pages (64 MiB), capped by policy to 256 pages (16 MiB)`. */
  readonly message: string;
}

/** What {@link resolveLimits} returns. */
export interface ResolvedLimits {
  readonly limits: EffectiveLimits;
  /** One per limit capped by policy (empty when the plugin got everything it asked for). */
  readonly notes: readonly LimitNote[];
  readonly sources: Readonly<Record<keyof PluginLimits, LimitSource>>;
}

const MIB = 1024 * 1024;

/**
 * What a plugin gets for a limit it does not ask for, unless the host's `defaults` say otherwise.
 * - `timeoutMs` 5 s: generous for a plugin call, short enough that a hung one is noticed.
 * - `memoryPages` 256 (16 MiB): what small PDK plugins need many times over (Rust starts at
 *   17 pages, AssemblyScript at 1); one that needs more says so in plugin.json.
 * - `maxInputBytes` 1 MiB (as the host API's request cap), `maxOutputBytes` 16 MiB.
 * - `hostCallsPerCall` 10,000: each host call takes two of the 32,767 Extism blocks a call can
 *   have (its request and its reply), so about 16,000 is where the kernel runs out (measured:
 *   docs/security.md); past the limit the host call replies `limit_exceeded`.
 * - `eventsPerSecond` 1,000; `storageBytes` 10 MiB.
 * - `hostMemoryBytes`: derived from `memoryPages`, twice the guest memory and at least 16 MiB
 *   ({@link defaultHostMemoryBytes}); `maxVarBytes` 1 MiB (as Extism's other SDKs).
 * - `fuel`: the host's ceiling when it sets one, else none (calls are metered and timed, but have
 *   no fuel limit).
 * - `tableElements` 100,000 (about 0.8 MiB of host memory per table): far above what compilers
 *   emit for function pointers; a `table.grow` past it returns -1.
 * - `isolation` `"inline"`: the engine's current mode and the fastest. Fuel metering enforces
 *   `timeoutMs` inline too; a worker adds a thread of its own (the page stays responsive).
 */
export const BUILT_IN_DEFAULTS: Readonly<Omit<EffectiveLimits, "fuel">> = {
  timeoutMs: 5_000,
  memoryPages: 256,
  maxInputBytes: 1 * MIB,
  maxOutputBytes: 16 * MIB,
  hostCallsPerCall: 10_000,
  eventsPerSecond: 1_000,
  storageBytes: 10 * MIB,
  hostMemoryBytes: 16 * MIB,
  maxVarBytes: 1 * MIB,
  tableElements: 100_000,
  isolation: "inline",
};

/** The default `hostMemoryBytes` for a plugin with `memoryPages` of guest memory: twice that, at least 16 MiB. */
export function defaultHostMemoryBytes(memoryPages: number): number {
  return Math.max(BUILT_IN_DEFAULTS.hostMemoryBytes, 2 * memoryPages * 65_536);
}

/**
 * The most a plugin gets by asking, for each limit the host's policy does not cap itself:
 * plugin.json is as untrusted as the wasm, so asking must never be enough to get everything.
 * A host that wants more sets the limit in its policy (up to 65536 pages for memory).
 */
export const BUILT_IN_CEILINGS: Readonly<Record<Exclude<NumericLimitKey, "fuel">, number>> = {
  timeoutMs: 60_000,
  memoryPages: 4_096, // 256 MiB
  maxInputBytes: 64 * MIB,
  maxOutputBytes: 64 * MIB,
  // Past ~16,000 host calls a call runs out of Extism blocks whatever the limit says.
  hostCallsPerCall: 16_000,
  eventsPerSecond: 100_000,
  storageBytes: 256 * MIB,
  hostMemoryBytes: 1024 * MIB,
  maxVarBytes: 64 * MIB,
  tableElements: 1_000_000,
};

/** Every numeric limit, in plugin.json's order. */
export const NUMERIC_LIMIT_KEYS: readonly NumericLimitKey[] = ["timeoutMs", "memoryPages", "maxInputBytes", "maxOutputBytes", "hostCallsPerCall", "eventsPerSecond", "storageBytes", "fuel", "tableElements", "hostMemoryBytes", "maxVarBytes"];

function maxOf(key: NumericLimitKey): number {
  if (key === "memoryPages") return MAX_MEMORY_PAGES;
  if (key === "tableElements") return MAX_TABLE_ELEMENTS;
  return Number.MAX_SAFE_INTEGER;
}

function isValidCount(key: NumericLimitKey, value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1 && value <= maxOf(key);
}

function isIsolation(value: unknown): value is Isolation {
  return (ISOLATIONS as readonly unknown[]).includes(value);
}

const ISOLATION_CHOICES = `"inline", "pool" or "worker"`;

function unit(key: NumericLimitKey, value: number): string {
  switch (key) {
    case "timeoutMs":
      return `${value} ms`;
    case "memoryPages": {
      const mib = (value * 65_536) / MIB;
      return `${value} page${value === 1 ? "" : "s"} (${Number.isInteger(mib) ? mib : mib.toFixed(2)} MiB)`;
    }
    case "maxInputBytes":
    case "maxOutputBytes":
    case "storageBytes":
    case "hostMemoryBytes":
    case "maxVarBytes":
      return `${value} bytes`;
    case "hostCallsPerCall":
      return `${value} host calls per call`;
    case "eventsPerSecond":
      return `${value} events per second`;
    case "fuel":
      return `${value} fuel per call`;
    case "tableElements":
      return `${value} table elements`;
  }
}

/**
 * Checks a host policy: every value a whole number of at least 1 (memoryPages at most 65536),
 * `isolation` `"inline"` or `"worker"`, and no default above the host's own ceiling. Throws a
 * `RangeError` naming the key (a host configuration error, found at `createEngine`).
 */
export function checkHostLimitsPolicy(policy: HostLimitsPolicy): void {
  const where = (key: string, inDefaults: boolean) => (inDefaults ? `limits.defaults.${key}` : `limits.${key}`);
  for (const [source, inDefaults] of [[policy, false], [policy.defaults ?? {}, true]] as const) {
    for (const key of NUMERIC_LIMIT_KEYS) {
      const value = source[key];
      if (value !== undefined && !isValidCount(key, value)) {
        throw new RangeError(`${where(key, inDefaults)} must be a whole number from 1 to ${maxOf(key)}; got ${String(value)}`);
      }
    }
    if (source.isolation !== undefined && !isIsolation(source.isolation)) {
      throw new RangeError(`${where("isolation", inDefaults)} must be ${ISOLATION_CHOICES}; got ${String(source.isolation)}`);
    }
  }
  for (const key of NUMERIC_LIMIT_KEYS) {
    const ceiling = policy[key];
    const fallback = policy.defaults?.[key];
    if (ceiling !== undefined && fallback !== undefined && fallback > ceiling) {
      throw new RangeError(`limits.defaults.${key} (${fallback}) is above limits.${key} (${ceiling}), the most any plugin may get; lower the default or raise the ceiling`);
    }
  }
  const floor = policy.isolation;
  const fallback = policy.defaults?.isolation;
  if (floor !== undefined && fallback !== undefined && rankOf(fallback) < rankOf(floor)) {
    throw new RangeError(`limits.defaults.isolation is "${fallback}" but limits.isolation is "${floor}", which puts every plugin at least in ${floor === "worker" ? "a worker of its own" : "a pool worker"}; drop one of them`);
  }
}

function checkRequested(requested: PluginLimits, plugin: string | undefined): void {
  const issues: { path: string; message: string }[] = [];
  for (const key of NUMERIC_LIMIT_KEYS) {
    const value: unknown = requested[key];
    if (value !== undefined && !isValidCount(key, value)) issues.push({ path: `$.limits.${key}`, message: `must be a whole number from 1 to ${maxOf(key)}; got ${String(value)}.` });
  }
  const isolation: unknown = requested.isolation;
  if (isolation !== undefined && !isIsolation(isolation)) issues.push({ path: "$.limits.isolation", message: `must be ${ISOLATION_CHOICES}; got ${String(isolation)}.` });
  if (issues.length > 0) {
    throw new ThreadspaceError("manifest_invalid", `plugin.json's limits are invalid: ${issues.map((i) => `${i.path} ${i.message}`).join(" ")}`, { plugin, issues });
  }
}

/**
 * Decides the limits a plugin runs under: each value it asks for, capped by the host's policy
 * (or the built-in ceiling); the host's default, else the built-in one, for what it does not
 * ask for (also capped). Asking for less than a default is always granted. A plugin that asks
 * for more than the ceiling gets the ceiling and a {@link LimitNote}, so that `engine.get(name)`
 * can say "capped by policy".
 *
 * Throws `manifest_invalid` when `requested` holds values plugin.json's schema would refuse,
 * and `RangeError` for an invalid policy ({@link checkHostLimitsPolicy}).
 *
 * @example
 * const { limits, notes } = resolveLimits({ memoryPages: 1024 }, { memoryPages: 256 });
 * limits.memoryPages // 256
 * notes[0].message   // "memoryPages: asked for 1024 pages (64 MiB), capped by policy to 256 pages (16 MiB)"
 */
export function resolveLimits(requested: PluginLimits, policy: HostLimitsPolicy = {}, options: { readonly plugin?: string | undefined } = {}): ResolvedLimits {
  // Frozen inputs (a parsed manifest's limits, an engine's policy) always resolve the same way.
  if (!Object.isFrozen(requested) || !Object.isFrozen(policy)) return computeLimits(requested, policy, options);
  let byPolicy = resolvedFrozen.get(requested);
  const known = byPolicy?.get(policy);
  if (known !== undefined) return known;
  const resolved = computeLimits(requested, policy, options);
  deepFreezeResolved(resolved);
  if (byPolicy === undefined) resolvedFrozen.set(requested, (byPolicy = new WeakMap()));
  byPolicy.set(policy, resolved);
  return resolved;
}

/** Limits resolved from frozen requests under frozen policies (shared, frozen). */
const resolvedFrozen = new WeakMap<PluginLimits, WeakMap<HostLimitsPolicy, ResolvedLimits>>();

function deepFreezeResolved(resolved: ResolvedLimits): void {
  for (const note of resolved.notes) Object.freeze(note);
  Object.freeze(resolved.notes);
  Object.freeze(resolved.sources);
  Object.freeze(resolved.limits);
  Object.freeze(resolved);
}

function computeLimits(requested: PluginLimits, policy: HostLimitsPolicy, options: { readonly plugin?: string | undefined }): ResolvedLimits {
  checkHostLimitsPolicy(policy);
  checkRequested(requested, options.plugin);
  const notes: LimitNote[] = [];
  const sources = {} as Record<keyof PluginLimits, LimitSource>;
  const values = {} as Record<NumericLimitKey, number | undefined>;

  for (const key of NUMERIC_LIMIT_KEYS) {
    const hostCeiling = policy[key];
    const ceiling = hostCeiling ?? (key === "fuel" ? undefined : BUILT_IN_CEILINGS[key]);
    const asked = requested[key];
    if (asked !== undefined) {
      if (ceiling !== undefined && asked > ceiling) {
        values[key] = ceiling;
        sources[key] = "policy";
        notes.push({
          limit: key,
          requested: asked,
          granted: ceiling,
          ceiling: hostCeiling === undefined ? "built-in" : "host",
          message: `${key}: asked for ${unit(key, asked)}, capped by ${hostCeiling === undefined ? "the built-in ceiling" : "policy"} to ${unit(key, ceiling)}`,
        });
      } else {
        values[key] = asked;
        sources[key] = "plugin";
      }
      continue;
    }
    // fuel has no built-in default; under a host ceiling a plugin that asks for none gets the
    // ceiling, so that no plugin runs without a budget where the host set one.
    const fallback = policy.defaults?.[key] ?? (key === "fuel" ? policy.fuel : key === "hostMemoryBytes" ? defaultHostMemoryBytes(values.memoryPages as number) : BUILT_IN_DEFAULTS[key]);
    values[key] = fallback === undefined ? undefined : ceiling === undefined ? fallback : Math.min(fallback, ceiling);
    sources[key] = fallback === undefined ? "unset" : "default";
  }

  let isolation: Isolation;
  const floor = policy.isolation ?? "inline";
  if (requested.isolation !== undefined && rankOf(requested.isolation) < rankOf(floor)) {
    isolation = floor;
    sources.isolation = "policy";
    notes.push({ limit: "isolation", requested: requested.isolation, granted: floor, ceiling: "host", message: `isolation: asked for "${requested.isolation}", moved to "${floor}" by policy` });
  } else if (requested.isolation !== undefined) {
    isolation = requested.isolation;
    sources.isolation = "plugin";
  } else {
    const fallback = policy.defaults?.isolation ?? BUILT_IN_DEFAULTS.isolation;
    isolation = rankOf(fallback) < rankOf(floor) ? floor : fallback;
    sources.isolation = "default";
  }

  const limits: EffectiveLimits = {
    timeoutMs: values.timeoutMs as number,
    memoryPages: values.memoryPages as number,
    maxInputBytes: values.maxInputBytes as number,
    maxOutputBytes: values.maxOutputBytes as number,
    hostCallsPerCall: values.hostCallsPerCall as number,
    eventsPerSecond: values.eventsPerSecond as number,
    storageBytes: values.storageBytes as number,
    fuel: values.fuel,
    hostMemoryBytes: values.hostMemoryBytes as number,
    maxVarBytes: values.maxVarBytes as number,
    tableElements: values.tableElements as number,
    isolation,
  };
  return { limits, notes, sources };
}

/**
 * The note for a `fuel` limit: accepted (plugin.json or the host's policy may set it) but not
 * metered by this engine, which bounds a call's time with `timeoutMs` in worker isolation
 * instead. Undefined when no fuel limit applies.
 */
export function unmeteredFuelNote(resolved: ResolvedLimits): string | undefined {
  const fuel = resolved.limits.fuel;
  if (fuel === undefined) return undefined;
  return `fuel: ${fuel} per call is not metered: this engine does not count instructions (@extism/extism has no fuel metering); bound a call's time with timeoutMs and limits.isolation "worker" instead`;
}
