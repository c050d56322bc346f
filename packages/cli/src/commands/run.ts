import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CAC } from "cac";
import { createEngine, isThreadspaceError, type Engine, type EngineLogger, type InstallSource } from "@threadspace/core";
import { ThreadspaceError, messageOf } from "@threadspace/errors";
import { fileStorage } from "@threadspace/storage/file";
import { isStale } from "../build/stale.ts";
import type { CliIo } from "../io.ts";
import { EXIT_FAILURE, EXIT_OK, UsageError, displayPath } from "../output.ts";
import { runPrompt } from "../run/repl.ts";
import { RunSession } from "../run/session.ts";
import { watchFiles } from "../run/watch-source.ts";
import { buildBundle, readBundleManifest } from "./build.ts";

/** Options of {@link runCommand}. */
export interface RunOptions {
  /** Command lines to run instead of a prompt (each may hold several lines); exit 1 if one failed. */
  readonly eval?: readonly string[];
  /** Where the engine stores its state (default `.threadspace/run` in the working directory); false: in memory. */
  readonly storage?: string | false;
  /** `requested` (default: what plugin.json asks for) or `none`. */
  readonly grant?: "requested" | "none";
  /** The plugins' log level (default `info`). */
  readonly logLevel?: "trace" | "debug" | "info" | "warn" | "error";
  /** Install again when the wasm, plugin.json or .tsp changes (default true with a prompt). */
  readonly watch?: boolean;
}

/** The plugin's source: a folder (built first when stale) or a .tsp, and the files to watch. */
async function locateSource(io: CliIo, target: string, build: boolean): Promise<{ source: string; watched: string[] }> {
  const path = resolve(io.cwd, target);
  if (!existsSync(path)) throw new ThreadspaceError("source_invalid", `${displayPath(io, path)} does not exist: pass a plugin's folder (holding plugin.json) or a .tsp.`);
  if (statSync(path).isFile()) {
    if (!path.toLowerCase().endsWith(".tsp")) throw new ThreadspaceError("source_invalid", `${displayPath(io, path)} is not a .tsp: pass a plugin's folder (holding plugin.json) or a .tsp.`);
    return { source: path, watched: [path] };
  }
  const manifestPath = join(path, "plugin.json");
  const manifest = await readBundleManifest(io, manifestPath);
  if (build && isStale(path, manifest)) await buildBundle(io, path);
  return { source: path, watched: [manifestPath, resolve(path, manifest.main)] };
}

/**
 * `threadspace run [dir|file.tsp]`: a local engine (file storage under `.threadspace/run`, so
 * memories, kv and config survive between sessions) with the plugin installed, and a prompt to
 * call its exports (text or JSON input; tab completes export names), grant and revoke, set
 * config, seed memories, and see logs and events as they happen. The plugin is installed again
 * when its wasm or plugin.json changes (`threadspace build --watch` in another terminal).
 * `--eval` runs command lines instead of the prompt; without a terminal, lines come from standard input.
 */
export async function runCommand(io: CliIo, target = ".", options: RunOptions = {}): Promise<number> {
  const { source, watched } = await locateSource(io, target, true);
  const storageDir = options.storage === false ? undefined : resolve(io.cwd, options.storage ?? join(".threadspace", "run"));
  const engineLog = (...args: unknown[]) => io.stderr(`engine: ${args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(" ")}\n`);
  const logger: EngineLogger = { trace() {}, debug() {}, info() {}, warn: engineLog, error: engineLog };
  const engine: Engine = await createEngine({
    grant: options.grant !== "none",
    logger,
    logLevel: options.logLevel ?? "info",
    ...(storageDir === undefined ? {} : { storage: fileStorage({ dir: storageDir }) }),
  });
  const install = async (from: InstallSource): Promise<string> => (await engine.install(from, { ifInstalled: "upgrade" })).name;
  let stopWatching = () => {};
  try {
    const name = await install(source);
    const interactive = options.eval === undefined && io.terminal !== undefined;
    // Results on stdout; logs, events and notes on stdout above the prompt, or on stderr for scripts.
    const printer = { above: (text: string) => (interactive && io.terminal?.isTTY === true ? io.stdout(text) : io.stderr(text)) };
    const session = new RunSession(engine, name, { out: (text) => io.stdout(text), note: (text) => printer.above(text), error: (text) => io.stderr(text) }, () => install(source));
    if (options.watch ?? interactive) {
      let reloading = Promise.resolve();
      stopWatching = watchFiles(watched, () => {
        reloading = reloading.then(() => session.reload()).catch((error: unknown) => {
          printer.above(`reload failed: ${isThreadspaceError(error) ? `[${error.code}] ` : ""}${messageOf(error)}\n`);
        });
      });
    }
    if (storageDir !== undefined && io.terminal?.isTTY === true) io.stderr(`state in ${displayPath(io, storageDir)} (--in-memory: nothing stored)\n`);
    if (options.eval !== undefined) {
      for (const commandLine of options.eval.flatMap((text) => text.split("\n"))) {
        if (!(await session.execute(commandLine))) break;
      }
    } else if (io.terminal !== undefined) {
      await runPrompt(session, io.terminal, (text) => io.stdout(text), printer);
    }
    session.close();
    return session.failures === 0 ? EXIT_OK : EXIT_FAILURE;
  } finally {
    stopWatching();
    await engine.close();
  }
}

/** Registers `run` on the command line. */
export function defineRun(cli: CAC, io: CliIo): void {
  cli
    .command("run [plugin]", "An interactive prompt over a local engine with the plugin (a folder or .tsp): call exports, grant, config, seed memories, watch logs and events")
    .option("-e, --eval <commands>", "Run these command lines instead of a prompt (repeat, or separate with newlines); exit 1 if one fails")
    .option("--storage <dir>", "Where the engine keeps its state (default .threadspace/run)")
    .option("--in-memory", "Keep the state in memory only (nothing is stored)")
    .option("--grant <policy>", "requested (default: what plugin.json asks for) or none")
    .option("--log-level <level>", "The plugin's log level: trace, debug, info (default), warn, error")
    .option("--no-watch", "Do not install again when the wasm or plugin.json changes")
    .example("  $ threadspace run my_plugin")
    .example('  $ threadspace run my_plugin --eval "seed Buy milk #note" --eval "recall note"')
    .example("  $ threadspace run hello-1.0.0.tsp --in-memory")
    .action((plugin: string | undefined, options: { eval?: unknown; storage?: unknown; inMemory?: unknown; grant?: unknown; logLevel?: unknown; watch?: unknown }) => {
      if (Array.isArray(plugin)) throw new UsageError("run takes one plugin (a folder or .tsp).", "run");
      const evals = options.eval === undefined ? undefined : (Array.isArray(options.eval) ? options.eval : [options.eval]).map(String);
      if (options.grant !== undefined && options.grant !== "requested" && options.grant !== "none") throw new UsageError(`--grant is requested or none; got ${JSON.stringify(options.grant)}. Grant more at the prompt: grant <permission>.`, "run");
      const levels = ["trace", "debug", "info", "warn", "error"];
      if (options.logLevel !== undefined && !levels.includes(String(options.logLevel))) throw new UsageError(`--log-level is one of ${levels.join(", ")}.`, "run");
      if (Array.isArray(options.storage) || options.storage === true) throw new UsageError("--storage <dir>, once.", "run");
      if (options.storage !== undefined && options.inMemory === true) throw new UsageError("--storage <dir> or --in-memory, not both.", "run");
      return runCommand(io, plugin === undefined ? "." : String(plugin), {
        ...(evals === undefined ? {} : { eval: evals }),
        ...(options.inMemory === true ? { storage: false as const } : options.storage === undefined ? {} : { storage: String(options.storage) }),
        ...(options.grant === undefined ? {} : { grant: options.grant as "requested" | "none" }),
        ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel as NonNullable<RunOptions["logLevel"]> }),
        ...(options.watch === false ? { watch: false } : {}),
      });
    });
}
