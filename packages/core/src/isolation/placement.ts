import type { PoolPlacement } from "./pool/pool-options.ts";

/**
 * Where a plugin runs now (`engine.get(name).isolation`, `engine.debugInfo(name).isolation`):
 * `mode` as it was decided at start (after the host's policy and any fallback), and for a pooled
 * plugin its pool and the number of the pool worker holding its instance.
 */
export interface Placement {
  /** `"none"`: installed but not loaded. */
  readonly mode: "inline" | "pool" | "worker" | "none";
  /** Pooled: the pool it joined (`isolation.poolFor`, else `"default"`). */
  readonly pool?: string;
  /**
   * Pooled: the number of the pool worker its instance lives in (the thread is named
   * `threadspace pool <pool> #<worker>`); absent while it has no instance (before its first
   * call after its worker was terminated). A replacement worker gets the next number.
   */
  readonly worker?: number;
}

/** The placement of a plugin from its runner's mode and, pooled, where its pool put it. */
export function placement(mode: Placement["mode"] | undefined, pooled: Partial<PoolPlacement> | undefined): Placement {
  if (mode !== "pool") return { mode: mode ?? "none" };
  return { mode, ...(pooled?.pool === undefined ? {} : { pool: pooled.pool }), ...(pooled?.worker === undefined ? {} : { worker: pooled.worker }) };
}
