import createPlugin from "@extism/extism";
import { ThreadspaceError, messageOf } from "@threadspace/errors";
import type { PluginManifest } from "@threadspace/manifest";
import { PluginRunner } from "../calls/plugin-runner.ts";
import { levelFromConfig, type EngineLogger, type LogLevel } from "../engine-options.ts";
import type { ModuleShape } from "../install/wasm-module.ts";
import type { Host } from "@threadspace/host";
import { checkMetadata, runCleanup, runInit } from "./lifecycle.ts";

/** What starting a plugin needs besides its manifest and module. */
export interface StartOptions {
  readonly logger: EngineLogger;
  readonly logLevel: LogLevel;
  readonly host: Host;
}

const USER_MODULE = "extism:host/user";

/** Extism config is string → string: strings stay, other values become JSON text. */
function extismConfig(config: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) out[key] = typeof value === "string" ? value : JSON.stringify(value);
  return out;
}

function pluginLogger(logger: EngineLogger, name: string): Console {
  const tag = `[plugin ${name}]`;
  return {
    trace: (...args: unknown[]) => logger.trace(tag, ...args),
    debug: (...args: unknown[]) => logger.debug(tag, ...args),
    info: (...args: unknown[]) => logger.info(tag, ...args),
    warn: (...args: unknown[]) => logger.warn(tag, ...args),
    error: (...args: unknown[]) => logger.error(tag, ...args),
  } as Console;
}

/**
 * Instantiates a compiled module and, for Threadspace plugins, runs `init_plugin` and checks
 * `get_metadata`. On any failure the instance is closed and the error thrown; nothing leaks.
 */
export async function startPlugin(manifest: PluginManifest, module: WebAssembly.Module, shape: ModuleShape, options: StartOptions): Promise<PluginRunner> {
  const { name } = manifest;
  const userImports = new Set(shape.imports.filter((i) => i.module === USER_MODULE).map((i) => i.name));
  let plugin;
  try {
    plugin = await createPlugin(
      { wasm: [{ module }] },
      {
        useWasi: shape.usesWasi,
        config: extismConfig(manifest.config),
        logger: pluginLogger(options.logger, name),
        logLevel: levelFromConfig(manifest.config, options.logLevel),
        functions: { [USER_MODULE]: options.host.functionsFor(manifest, userImports) },
      },
    );
  } catch (cause) {
    const code = cause instanceof WebAssembly.LinkError ? "wasm_invalid" : "init_failed";
    throw new ThreadspaceError(code, `could not be instantiated: ${messageOf(cause)}`, { plugin: name, cause });
  }
  const runner = new PluginRunner(name, plugin, shape.exports, userImports.size > 0 ? () => options.host.begin(name) : undefined);
  if (manifest.interface === "extism") return runner;
  let initialised = false;
  try {
    await runInit(runner);
    initialised = true;
    await checkMetadata(runner, manifest);
    return runner;
  } catch (error) {
    if (initialised) await runCleanup(runner);
    await runner.close().catch(() => undefined);
    throw error;
  }
}
