/**
 * The two hosts the compatibility suite runs every plain Extism plugin on, side by side: raw
 * @extism/extism 2.0.0-rc13 (what the plugin was written for) and a Threadspace engine. Each
 * side answers a call the same way: the output text, or the failure.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import createPlugin, { type CallContext } from "@extism/extism";
import { createEngine, type Engine } from "@threadspace/core";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** Builds the compat plugins if needed (incremental: fast when up to date). */
export function buildCompatPlugins(): void {
  const run = spawnSync(process.execPath, [`${root}scripts/build-compat.mjs`], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`build-compat failed:\n${run.stdout}\n${run.stderr}`);
}

/** A built compat plugin's bytes. */
export function compatWasm(name: string): Uint8Array {
  const path = `${root}test/compat/build/${name}.wasm`;
  if (!existsSync(path)) throw new Error(`${path} is missing: run node scripts/build-compat.mjs`);
  return new Uint8Array(readFileSync(path));
}

/** How a call ended on one side. */
export type Outcome = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly error: unknown };

/** One host running one plugin. */
export interface Side {
  call(exportName: string, input?: string): Promise<Outcome>;
  /** Lines the plugin logged through Extism's log functions. */
  logs(): string[];
  close(): Promise<void>;
}

/** What a case gives both sides: the same module(s), config, host functions and HTTP hosts. */
export interface PluginSetup {
  readonly main: string;
  /** Linked modules: name → built plugin name. */
  readonly modules?: Readonly<Record<string, string>>;
  readonly config?: Readonly<Record<string, string>>;
  /** Host functions by namespace, written as for Extism. */
  readonly functions?: Readonly<Record<string, Readonly<Record<string, (context: CallContext, ...args: any[]) => unknown>>>>;
  readonly allowedHosts?: readonly string[];
  readonly wasi?: boolean;
}

async function settle(promise: Promise<{ text(): string } | null>): Promise<Outcome> {
  try {
    const output = await promise;
    return { ok: true, text: output === null ? "" : output.text() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The plugin on raw @extism/extism (in its worker when it makes HTTP requests: Extism requires it without JSPI). */
export async function rawSide(setup: PluginSetup, extra: Record<string, unknown> = {}): Promise<Side> {
  const lines: string[] = [];
  const log = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  const logger = { trace: log, debug: log, info: log, warn: log, error: log, log } as unknown as Console;
  const wasm = [...Object.entries(setup.modules ?? {}).map(([name, built]) => ({ name, data: compatWasm(built) })), { name: "main", data: compatWasm(setup.main) }];
  const http = setup.allowedHosts !== undefined;
  const plugin = await createPlugin(
    { wasm },
    {
      useWasi: setup.wasi ?? false,
      logger,
      logLevel: "trace",
      config: { ...setup.config },
      functions: { ...setup.functions },
      ...(http ? { runInWorker: true, allowedHosts: [...(setup.allowedHosts ?? [])], allowHttpResponseHeaders: true } : {}),
      ...extra,
    },
  );
  return { call: (name, input = "") => settle(plugin.call(name, input)), logs: () => lines, close: () => plugin.close() };
}

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** The plugin on a Threadspace engine: plugin.json says `interface: "extism"`, its config, modules and hosts. */
export async function threadspaceSide(setup: PluginSetup, options: Parameters<typeof createEngine>[0] = {}, manifestExtra: Record<string, unknown> = {}): Promise<Side & { engine: Engine; name: string }> {
  const engine = await createEngine({ logger: quiet, logLevel: "trace", grant: true, ...options });
  const name = `compat-${setup.main}`;
  const permissions: string[] = [];
  for (const [namespace, functions] of Object.entries(setup.functions ?? {})) {
    engine.defineHostFunctions({ namespace, permission: "custom:compat", functions });
    permissions.push("custom:compat");
  }
  if (setup.allowedHosts !== undefined) permissions.push("http");
  const manifest = {
    name,
    version: "1.0.0",
    interface: "extism",
    permissions: [...new Set(permissions)],
    config: { ...setup.config, log_level: "trace" },
    ...(setup.allowedHosts === undefined ? {} : { allowedHosts: setup.allowedHosts }),
    ...(setup.modules === undefined ? {} : { modules: Object.fromEntries(Object.keys(setup.modules).map((module) => [module, { path: `${module}.wasm` }])) }),
    ...manifestExtra,
  };
  const modules = Object.fromEntries(Object.entries(setup.modules ?? {}).map(([module, built]) => [module, compatWasm(built)]));
  await engine.install({ manifest, wasm: compatWasm(setup.main), ...(setup.modules === undefined ? {} : { modules }) });
  return {
    engine,
    name,
    call: (exportName, input = "") => settle(engine.call(name, exportName, input)),
    logs: () => engine.logs(name).filter((entry) => entry.source !== "engine").map((entry) => entry.message),
    close: () => engine.close(),
  };
}
