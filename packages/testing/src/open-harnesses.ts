import type { PluginHarness } from "./harness.ts";

const open = new Set<PluginHarness>();

/** Remembers a harness until {@link closeAll} (the Vitest entry closes them after each test). */
export function track(harness: PluginHarness): PluginHarness {
  open.add(harness);
  return harness;
}

/** Closes every harness opened since the last call (their engines, and their plugins' cleanup). */
export async function closeAll(): Promise<void> {
  const closing = [...open];
  open.clear();
  await Promise.all(closing.map((harness) => harness.close()));
}
