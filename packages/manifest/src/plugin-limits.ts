import * as v from "valibot";
import { describeValue } from "./describe-value.ts";
import { jsonObject } from "./valibot-helpers.ts";

/**
 * Resource limits a plugin asks for. The host's policy (`createEngine({ limits })`, same names)
 * caps them; every number is a positive whole number.
 */
export interface PluginLimits {
  /** Longest a call may run, in milliseconds. */
  timeoutMs?: number;
  /** Most guest memory, in 64 KiB WebAssembly pages (at most 65536, i.e. 4 GiB). */
  memoryPages?: number;
  /** Largest call input, in bytes. */
  maxInputBytes?: number;
  /** Largest call output, in bytes. */
  maxOutputBytes?: number;
  /** Most host-function calls during one plugin call. */
  hostCallsPerCall?: number;
  /** Most events the plugin may emit per second. */
  eventsPerSecond?: number;
  /** Most bytes of key-value state the plugin may keep. */
  storageBytes?: number;
  /** Most fuel (metered instructions) per call. */
  fuel?: number;
  /** Most bytes the plugin may make the host hold through the Extism kernel (blocks it allocates or is handed, and vars). */
  hostMemoryBytes?: number;
  /** Most bytes of Extism vars (`var_set`: keys and values) the plugin may keep. */
  maxVarBytes?: number;
  /** Most elements each WebAssembly table of the plugin may hold (written into the module as its maximum). */
  tableElements?: number;
  /**
   * Where the plugin runs: on the engine's thread (`inline`), in its own Extism instance inside a
   * worker shared with other plugins (`pool`), or in a worker of its own (`worker`).
   */
  isolation?: "inline" | "pool" | "worker";
}

/** The most 64 KiB pages a 32-bit WebAssembly memory can have. */
export const MAX_MEMORY_PAGES = 65_536;
/** The most elements a table may have in V8 (and so in Node, Chromium and workerd). */
export const MAX_TABLE_ELEMENTS = 10_000_000;

const UNITS = {
  timeoutMs: "milliseconds",
  memoryPages: "64 KiB pages",
  maxInputBytes: "bytes",
  maxOutputBytes: "bytes",
  hostCallsPerCall: "host calls per call",
  eventsPerSecond: "events per second",
  storageBytes: "bytes",
  fuel: "fuel units per call",
  hostMemoryBytes: "bytes",
  maxVarBytes: "bytes",
  tableElements: "table elements",
} as const;

/** Every key `limits` may have. */
export const LIMIT_KEYS: readonly (keyof PluginLimits)[] = [...(Object.keys(UNITS) as (keyof typeof UNITS)[]), "isolation"];

function count(unit: string, max: number) {
  return v.pipe(
    v.number((issue) => `must be a number (${unit}); got ${describeValue(issue.input)}.`),
    v.check(
      (n: number) => Number.isSafeInteger(n) && n >= 1 && n <= max,
      (issue) => `must be a whole number ${max === Number.MAX_SAFE_INTEGER ? "of at least 1" : `from 1 to ${max}`} (${unit}); got ${describeValue(issue.input)}.`,
    ),
  );
}

/** The valibot schema of `limits` (unknown keys are reported separately, with suggestions). */
export const limitsSchema = v.pipe(
  jsonObject(`resource limits, e.g. {"timeoutMs": 1000}`),
  v.object({
    timeoutMs: v.exactOptional(count(UNITS.timeoutMs, Number.MAX_SAFE_INTEGER)),
    memoryPages: v.exactOptional(count(UNITS.memoryPages, MAX_MEMORY_PAGES)),
    maxInputBytes: v.exactOptional(count(UNITS.maxInputBytes, Number.MAX_SAFE_INTEGER)),
    maxOutputBytes: v.exactOptional(count(UNITS.maxOutputBytes, Number.MAX_SAFE_INTEGER)),
    hostCallsPerCall: v.exactOptional(count(UNITS.hostCallsPerCall, Number.MAX_SAFE_INTEGER)),
    eventsPerSecond: v.exactOptional(count(UNITS.eventsPerSecond, Number.MAX_SAFE_INTEGER)),
    storageBytes: v.exactOptional(count(UNITS.storageBytes, Number.MAX_SAFE_INTEGER)),
    fuel: v.exactOptional(count(UNITS.fuel, Number.MAX_SAFE_INTEGER)),
    hostMemoryBytes: v.exactOptional(count(UNITS.hostMemoryBytes, Number.MAX_SAFE_INTEGER)),
    maxVarBytes: v.exactOptional(count(UNITS.maxVarBytes, Number.MAX_SAFE_INTEGER)),
    tableElements: v.exactOptional(count(UNITS.tableElements, MAX_TABLE_ELEMENTS)),
    isolation: v.exactOptional(
      v.picklist(["inline", "pool", "worker"], (issue) => `must be "inline", "pool" or "worker"; got ${describeValue(issue.input)}.`),
    ),
  }),
);
