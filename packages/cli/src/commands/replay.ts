import { resolve } from "node:path";
import type { CAC } from "cac";
import { createEngine, parseTrace, type CallTrace, type Engine, type ReplayResult } from "@threadspace/core";
import { ThreadspaceError } from "@threadspace/errors";
import { FileTooLargeError, isNotFound, readFileCapped } from "../files.ts";
import type { CliIo } from "../io.ts";
import { EXIT_FAILURE, EXIT_OK, displayPath, line } from "../output.ts";
import { replayLines } from "../trace-report.ts";

/** The largest .tstrace read (the engine's default trace cap, 8 MiB). */
export const MAX_TRACE_FILE_BYTES = 8 * 1024 * 1024;

/** Reads and checks a .tstrace file (`bad_input` with the JSON paths of what is wrong, `source_invalid` when unreadable). */
export async function readTraceFile(io: CliIo, path: string): Promise<CallTrace> {
  const shownPath = displayPath(io, path);
  const bytes = await readFileCapped(path, MAX_TRACE_FILE_BYTES).catch((cause: unknown) => {
    if (cause instanceof FileTooLargeError) throw new ThreadspaceError("bad_input", `${shownPath} is larger than a trace may be (${MAX_TRACE_FILE_BYTES} bytes).`, { cause, issues: [{ path: "$", message: `larger than ${MAX_TRACE_FILE_BYTES} bytes` }] });
    throw new ThreadspaceError("source_invalid", `cannot read ${shownPath}: ${isNotFound(cause) ? "it does not exist" : cause instanceof Error ? cause.message : String(cause)}.`, { cause });
  });
  try {
    return parseTrace(bytes, MAX_TRACE_FILE_BYTES);
  } catch (error) {
    if (error instanceof ThreadspaceError) throw new ThreadspaceError(error.code, `${shownPath}: ${error.message.replace(/^\[threadspace\] /, "")}`, { cause: error, issues: error.issues });
    throw error;
  }
}

/** Replays `trace` on the installed plugin `name` (its own name when they match). */
export function replayOn(engine: Engine, trace: CallTrace, name: string): Promise<ReplayResult> {
  return engine.replay(trace, name === trace.plugin.name ? {} : { plugin: name });
}

/**
 * `threadspace replay <trace.tstrace> [dir|file.tsp]`: installs the plugin (default: the bundle
 * in the current folder) in a fresh engine with empty storage, replays the trace on it with every
 * host reply served from the trace, and prints what differs. Exit 1 when anything does.
 */
export async function replay(io: CliIo, tracePath: string, target = "."): Promise<number> {
  const trace = await readTraceFile(io, resolve(io.cwd, tracePath));
  const engine = await createEngine({ grant: true, logger: { trace() {}, debug() {}, info() {}, warn: (...args: unknown[]) => io.stderr(`${args.join(" ")}\n`), error: (...args: unknown[]) => io.stderr(`${args.join(" ")}\n`) } });
  try {
    const { name, version } = await engine.install(resolve(io.cwd, target));
    const result = await replayOn(engine, trace, name);
    line(io, `${trace.plugin.name}@${trace.plugin.version} ${trace.export} replayed on ${name}@${version}: ${result.same ? "same" : `${result.differences.length} difference${result.differences.length === 1 ? "" : "s"}`}`);
    for (const text of replayLines(result)) line(io, `  ${text}`);
    return result.same ? EXIT_OK : EXIT_FAILURE;
  } finally {
    await engine.close();
  }
}

/** Registers `replay` on the command line. */
export function defineReplay(cli: CAC, io: CliIo): void {
  cli
    .command("replay <trace> [bundle]", "Replay a recorded call (.tstrace) on a plugin (a folder or .tsp; default the current folder) with every host reply from the trace; exit 1 when anything differs")
    .example("  $ threadspace call examples/memory-analyzer analyze_memory m1 --grant all --seed memories.json --record m1.tstrace")
    .example("  $ threadspace replay m1.tstrace examples/memory-analyzer")
    .action((trace: string, bundle: string | undefined) => replay(io, String(trace), bundle === undefined ? "." : String(bundle)));
}
