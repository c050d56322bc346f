import type { HostMemoryLimits } from "./host-memory.ts";
import { BUILT_IN_DEFAULTS, defaultHostMemoryBytes } from "./limits-policy.ts";

/** What the kernel guard enforces for a runner's limits: the resolved values, else the built-in defaults. */
export function hostMemoryLimits(limits: { readonly memoryPages?: number; readonly hostMemoryBytes?: number; readonly maxVarBytes?: number } | undefined): HostMemoryLimits {
  const pages = limits?.memoryPages;
  const hostMemoryBytes = limits?.hostMemoryBytes ?? defaultHostMemoryBytes(pages === undefined || !Number.isFinite(pages) ? BUILT_IN_DEFAULTS.memoryPages : pages);
  return { hostMemoryBytes, maxVarBytes: Math.min(limits?.maxVarBytes ?? BUILT_IN_DEFAULTS.maxVarBytes, hostMemoryBytes) };
}
