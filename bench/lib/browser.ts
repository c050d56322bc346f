/** Helpers of the benchmarks that run in headless Chromium (bench/isolation, bench/storage). */
export { median } from "./stats.ts";

/** The bytes the test server serves at `path` (a built fixture or example). */
export async function fetchBytes(path: string): Promise<Uint8Array> {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Operations per second of `op`, run back to back (each awaited) for `ms` milliseconds. */
export async function opsPerSecond(op: () => Promise<unknown>, ms: number): Promise<number> {
  let count = 0;
  const start = performance.now();
  while (performance.now() < start + ms) {
    await op();
    count++;
  }
  return count / ((performance.now() - start) / 1000);
}
