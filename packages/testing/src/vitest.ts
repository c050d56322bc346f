/**
 * `@threadspace/testing/vitest`: the harness with its matchers registered on Vitest's `expect`,
 * and every harness a test opened closed after it. Import `testPlugin` from here in test files.
 *
 * @example
 * import { expect, test } from "vitest";
 * import { testPlugin } from "@threadspace/testing/vitest";
 *
 * test("plugin initialization", async () => expect(await testPlugin("./")).toBeRunning());
 */
import { afterEach, expect } from "vitest";
import type { WrittenKind } from "./matchers.ts";
import { matchers } from "./matchers.ts";
import { closeAll } from "./open-harnesses.ts";

expect.extend(matchers);
afterEach(closeAll);

export * from "./index.ts";

/** The matchers `@threadspace/testing/vitest` adds to `expect`. */
export interface ThreadspaceMatchers<R = unknown> {
  /** The plugin installed, `init_plugin` succeeded, and it serves calls. */
  toBeRunning(): R;
  /** The plugin published an event on `topic` (with a payload equal to `payload`, asymmetric matchers allowed). */
  toHaveEmitted(topic: string, payload?: unknown): R;
  /** The plugin logged at `level` a message containing `text` (or matching it). */
  toHaveLogged(level: "trace" | "debug" | "info" | "warn" | "error", text?: string | RegExp): R;
  /** The plugin created/updated a memory (or appended a thread entry) with these fields. */
  toHaveWritten(kind: WrittenKind, fields?: Record<string, unknown>): R;
  /** The call's result used fewer than `limit` instructions of fuel. */
  toUseFuelBelow(limit: number): R;
  /** The call (a promise or a function returning one) rejects with a ThreadspaceError of this code. Await it. */
  toFailWith(code: string): Promise<R>;
}

declare module "vitest" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends ThreadspaceMatchers<T> {}
}
