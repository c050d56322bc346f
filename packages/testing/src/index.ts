export { testPlugin, type TestPluginOptions } from "./test-plugin.ts";
export { PluginHarness, type HarnessConfig, type HarnessKv, type HarnessMemories, type HarnessThreads, type RecordedCall, type ThreadSeed } from "./harness.ts";
export { matchers, toBeRunning, toFailWith, toHaveEmitted, toHaveLogged, toHaveWritten, toUseFuelBelow, type MatcherContext, type MatcherResult, type WrittenKind } from "./matchers.ts";
export { closeAll } from "./open-harnesses.ts";
