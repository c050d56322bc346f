import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { buildBundle, isStale, quietIo, readBundleManifest } from "@threadspace/cli/build";
import { createEngine, type EngineOptions, type InstallSource, type MemoryInput } from "@threadspace/core";
import { ThreadspaceError } from "@threadspace/errors";
import type { PermissionName } from "@threadspace/manifest";
import { Captured } from "./captured.ts";
import { PluginHarness, type ThreadSeed } from "./harness.ts";
import { track } from "./open-harnesses.ts";

/** Options of {@link testPlugin}. */
export interface TestPluginOptions {
  /**
   * Build the plugin first when its wasm is missing or older than its sources (default true), with
   * the same code as `threadspace build` (its hash is written into plugin.json).
   */
  readonly build?: boolean;
  /**
   * Permissions to start with: `"requested"` (default: everything plugin.json asks for), `"none"`,
   * or a list (only those the plugin asks for are granted, as in a real engine).
   */
  readonly grant?: "requested" | "none" | readonly PermissionName[];
  /** Config overrides applied at install (before `init_plugin`). */
  readonly config?: Record<string, unknown>;
  /** Memories stored before the plugin starts (text, or `{ content, tags?, threadId?, id? }`). */
  readonly memories?: readonly (string | MemoryInput)[];
  /** Threads (with entries) created before the plugin starts. */
  readonly threads?: readonly ThreadSeed[];
  /** More engine options (limits, isolation, ...). `grant` and `logger` are the harness's own. */
  readonly engine?: Omit<EngineOptions, "grant" | "logger" | "eventLogSize">;
}

/** Events the harness's engine keeps for `t.events` between two reads. */
const EVENT_LOG_SIZE = 10_000;

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** True when `source` names a plugin folder (holding plugin.json) on disk. */
function pluginFolder(source: InstallSource): string | undefined {
  if (typeof source !== "string") return undefined;
  const path = resolve(source);
  return existsSync(resolve(path, "plugin.json")) && statSync(path).isDirectory() ? path : undefined;
}

/**
 * Builds a plugin when needed and installs it into a fresh test engine (in-memory storage, every
 * log level captured), then returns a {@link PluginHarness} to call it and seed and inspect the
 * host state. `source` is the plugin's folder (`"./"` from the plugin's own tests), or anything
 * `engine.install` takes (a `.tsp`, `{ manifest, wasm }`).
 *
 * @example
 * import { expect, test } from "vitest";
 * import { testPlugin } from "@threadspace/testing/vitest";
 *
 * test("greets", async () => {
 *   const t = await testPlugin("./", { memories: [{ content: "Ada", tags: ["name"] }] });
 *   expect((await t.call("greet", "Ada")).text()).toBe("Hello, Ada! (visit #1)");
 *   expect(t).toHaveLogged("info", "greeted Ada");
 * });
 */
export async function testPlugin(source: InstallSource = "./", options: TestPluginOptions = {}): Promise<PluginHarness> {
  const dir = pluginFolder(source);
  if (typeof source === "string" && dir === undefined && !/\.tsp$/i.test(source) && !/^[a-z][a-z0-9+.-]*:/i.test(source)) {
    throw new ThreadspaceError("source_invalid", `[threadspace/testing] testPlugin("${source}"): no plugin.json in ${resolve(source)}. Pass the plugin's folder (from the plugin's tests: "./"), a .tsp, or { manifest, wasm }.`);
  }
  if (dir !== undefined && options.build !== false) {
    const io = quietIo(process.cwd());
    const manifest = await readBundleManifest(io, resolve(dir, "plugin.json"));
    if (isStale(dir, manifest)) await buildBundle(io, dir);
  }
  const grant = options.grant ?? "requested";
  const engine = await createEngine({ logLevel: "trace", ...options.engine, grant: grant !== "none", logger: quiet, eventLogSize: EVENT_LOG_SIZE });
  const captured = new Captured(engine);
  try {
    for (const memory of options.memories ?? []) await engine.memories.put(typeof memory === "string" ? { content: memory } : memory, { durable: true });
    for (const { entries = [], ...fields } of options.threads ?? []) {
      const thread = await engine.threads.create(fields, { durable: true });
      for (const entry of entries) await engine.threads.append(typeof entry === "string" ? { threadId: thread.id, content: entry } : { threadId: thread.id, ...entry }, { durable: true });
    }
    const installSource = dir ?? source;
    const info = await engine.install(installSource, {
      ...(Array.isArray(grant) ? { grant: grant as PermissionName[] } : {}),
      ...(options.config === undefined ? {} : { config: options.config }),
    });
    return track(new PluginHarness(engine, info.name, dir ?? (typeof source === "string" ? source : info.origin), captured));
  } catch (error) {
    captured.stop();
    await engine.close();
    throw error;
  }
}
