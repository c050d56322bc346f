import { availableParallelism } from "node:os";

/** Small helpers shared by the benchmarks: timing loops and robust summaries. */

/** Runs `fn` `iterations` times sequentially (awaiting each) and returns µs per iteration. */
export async function timeLoop(iterations: number, fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) await fn();
  return ((performance.now() - start) * 1000) / iterations;
}

export { median } from "./stats.ts";
import { median } from "./stats.ts";

/** Formats a number with a fixed number of decimals. */
export const fixed = (value: number, digits = 2): string => value.toFixed(digits);

/** One line describing the machine and runtime, for result tables. */
export function machineLine(): string {
  return `Node ${process.version}, ${process.platform}/${process.arch}, ${availableParallelism()} cores`;
}

/**
 * Measures several contenders side by side: each round runs every contender once, in an order
 * that rotates between rounds so that none always runs first. Returns the per-round figures.
 */
export async function sideBySide<K extends string>(rounds: number, contenders: Record<K, () => Promise<number>>): Promise<Record<K, number[]>> {
  const names = Object.keys(contenders) as K[];
  const results = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length] as K;
      results[name].push(await contenders[name]());
    }
  }
  return results;
}
