import { resolve } from "node:path";
import { formatWithOptions } from "node:util";
import type { CAC } from "cac";
import { createEngine, traceOf, type CallTrace, type EngineLogger } from "@threadspace/core";
import { ThreadspaceError } from "@threadspace/errors";
import { PERMISSIONS, type PermissionName } from "@threadspace/manifest";
import { applySeed } from "../seed.ts";
import { writeFileAtomic } from "../files.ts";
import type { CliIo } from "../io.ts";
import { EXIT_OK, UsageError, line } from "../output.ts";

/** The largest input `--stdin` reads (64 MiB). */
export const MAX_STDIN_BYTES = 64 * 1024 * 1024;

/** Options of {@link call}. */
export interface CallOptions {
  /** Parse the input as JSON, and pretty-print the output as JSON. */
  readonly json?: boolean;
  /** Read the input from standard input. */
  readonly stdin?: boolean;
  /** Permissions to grant: a comma-separated list, or `all` for everything plugin.json requests. */
  readonly grant?: string;
  /** A JSON file of memories and threads to put in the engine before the call (see seed.ts). */
  readonly seed?: string;
  /** Print the fuel the call used (on standard error); a number also sets the call's fuel budget. */
  readonly fuel?: boolean | string | number;
  /** Record the call into this .tstrace file (docs/replay.md), also when it fails. */
  readonly record?: string;
}

/** Writes a recorded call's trace (a failed call's too) and says where on stderr. */
async function saveTrace(io: CliIo, path: string | undefined, trace: CallTrace | undefined): Promise<void> {
  if (path === undefined || trace === undefined) return;
  await writeFileAtomic(resolve(io.cwd, path), `${JSON.stringify(trace, null, 2)}\n`);
  io.stderr(`trace: ${path} (${trace.host.length} host call${trace.host.length === 1 ? "" : "s"}; replay it with threadspace replay ${path})\n`);
}

/** The call's fuel budget from `--fuel <n>`; undefined for a bare `--fuel` or none. */
function fuelBudget(option: CallOptions["fuel"]): number | undefined {
  if (option === undefined || option === true || option === false) return undefined;
  const budget = Number(option);
  if (!Number.isSafeInteger(budget) || budget < 1) throw new UsageError(`--fuel takes a whole number of at least 1 (instructions), or nothing to only print the fuel used; got ${JSON.stringify(String(option))}.`, "call");
  return budget;
}

const CUSTOM_PERMISSION = /^custom:[a-z0-9][a-z0-9._-]*$/;

function grantOf(option: string | undefined): true | PermissionName[] | undefined {
  if (option === undefined) return undefined;
  if (option.trim() === "all") return true;
  const names = option.split(",").map((p) => p.trim()).filter((p) => p.length > 0);
  const unknown = names.filter((p) => !(PERMISSIONS as readonly string[]).includes(p) && !CUSTOM_PERMISSION.test(p));
  if (unknown.length > 0) {
    throw new UsageError(`--grant: unknown permission${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}. Known: ${PERMISSIONS.join(", ")}, custom:<name>, or all.`, "call");
  }
  return names as PermissionName[];
}

/** Tells on stderr what the plugin asked for and did not get, so a permission_denied reply is no mystery. */
function explainGrants(io: CliIo, requested: readonly string[], granted: readonly string[], asked: true | PermissionName[] | undefined): void {
  if (Array.isArray(asked)) {
    const unrequested = asked.filter((p) => !requested.includes(p));
    if (unrequested.length > 0) io.stderr(`warning: --grant ${unrequested.join(", ")}: the plugin does not request ${unrequested.length > 1 ? "these" : "this"} in plugin.json, so ${unrequested.length > 1 ? "they were" : "it was"} not granted.\n`);
  }
  const missing = requested.filter((p) => !granted.includes(p));
  if (missing.length > 0) io.stderr(`note: the plugin requests ${missing.join(", ")}, not granted; pass --grant ${missing.join(",")} (or --grant all) to grant ${missing.length > 1 ? "them" : "it"}.\n`);
}

/** Plugin and engine logs go to standard error, so standard output holds only the call's output. */
function stderrLogger(io: CliIo): EngineLogger {
  const write = (...args: unknown[]) => io.stderr(`${formatWithOptions({ colors: false }, ...args)}\n`);
  return { trace: write, debug: write, info: write, warn: write, error: write };
}

async function readInput(io: CliIo, input: string | undefined, options: CallOptions): Promise<string | Uint8Array | undefined> {
  if (options.stdin === true && input !== undefined) throw new UsageError(`pass the input as an argument or with --stdin, not both.`, "call");
  let raw: string | Uint8Array | undefined = input;
  if (options.stdin === true) {
    raw = await io.readStdin(MAX_STDIN_BYTES).catch((cause: unknown) => {
      throw new ThreadspaceError("bad_input", `cannot read standard input: ${cause instanceof Error ? cause.message : String(cause)}.`, { cause });
    });
  }
  if (options.json !== true || raw === undefined) return raw;
  const text = typeof raw === "string" ? raw : new TextDecoder().decode(raw);
  try {
    // Send JSON text: the engine would send a bare string value as plain UTF-8, without quotes.
    return JSON.stringify(JSON.parse(text));
  } catch (cause) {
    throw new UsageError(`--json needs JSON input, and ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)} is not JSON (${cause instanceof Error ? cause.message : String(cause)}). Quote strings: '"World"'.`, "call");
  }
}

/**
 * `threadspace call <dir> <export> [input] [--json] [--stdin]`: installs the bundle in a fresh
 * engine, calls the export and prints its output: raw bytes as they are (with a trailing newline
 * only on a terminal), or pretty JSON with `--json`. Closes the engine before returning.
 */
export async function call(io: CliIo, bundle: string, exportName: string, input: string | undefined, options: CallOptions = {}): Promise<number> {
  const callInput = await readInput(io, input, options);
  const budget = fuelBudget(options.fuel);
  const engine = await createEngine({ logger: stderrLogger(io) });
  try {
    const grant = grantOf(options.grant);
    const { name, permissions, granted } = await engine.install(resolve(io.cwd, bundle), grant === undefined ? {} : { grant });
    explainGrants(io, permissions, granted, grant);
    // Seed after install, as an embedder's data arrives while plugins run: subscribers see the events.
    if (options.seed !== undefined) await applySeed(engine, resolve(io.cwd, options.seed));
    const record = typeof options.record === "string" ? options.record : undefined;
    if (options.record !== undefined && record === undefined) throw new UsageError("--record takes the .tstrace file to write.", "call");
    let result;
    try {
      result = await engine.call(name, exportName, callInput, { ...(budget === undefined ? {} : { fuel: budget }), ...(record === undefined ? {} : { record: true }) });
    } catch (error) {
      await saveTrace(io, record, traceOf(error));
      throw error;
    }
    await saveTrace(io, record, result.trace);
    if (options.fuel !== undefined && options.fuel !== false) io.stderr(`fuel: ${result.fuel ?? "not metered"}${budget === undefined ? "" : ` of ${budget}`}\n`);
    if (options.json === true) {
      line(io, JSON.stringify(result.json(), null, 2));
    } else {
      io.stdout(result.bytes);
      if (io.stdoutIsTTY && result.bytes.byteLength > 0 && result.bytes.at(-1) !== 0x0a) io.stdout("\n");
    }
    return EXIT_OK;
  } finally {
    await engine.close();
  }
}

/** Registers `call` on the command line. */
export function defineCall(cli: CAC, io: CliIo): void {
  cli
    .command("call <bundle> <export> [input]", "Install a plugin in a fresh engine, call an export and print its output")
    .option("--json", "Parse the input as JSON and pretty-print the output as JSON")
    .option("--stdin", "Read the input from standard input")
    .option("--grant <permissions>", "Grant permissions the plugin requests: a comma-separated list, or all")
    .option("--seed <file.json>", 'Put memories and threads in the engine first: {"memories": [...], "threads": [...]}')
    .option("--fuel [budget]", "Print the fuel (instructions) the call used on stderr; with a number, also stop the call past that budget (fuel_exhausted)")
    .option("--record <file.tstrace>", "Record the call (host requests and replies, config, logs, output, fuel) into a trace that threadspace replay runs again")
    .example("  $ threadspace call examples/hello greet World")
    .example(`  $ threadspace call examples/count-vowels count_vowels --json '"Hello"'`)
    .example("  $ cat input.txt | threadspace call my_plugin analyze --stdin")
    .example("  $ threadspace call examples/count-vowels count_vowels Hello --fuel 1000000")
    .example("  $ threadspace call examples/memory-analyzer analyze_memory m1 --grant memory:read --seed memories.json")
    .example("  $ threadspace call my_plugin negate -- -1     (after --, the input may start with -)")
    .action((bundle: string, exportName: string, input: string | undefined, options: CallOptions & { "--"?: string[] }) => {
      const rest = options["--"] ?? [];
      if (rest.length > 1 || (rest.length === 1 && input !== undefined)) throw new UsageError(`call takes one input; got ${[input, ...rest].filter((x) => x !== undefined).length}. Quote it if it has spaces.`, "call");
      return call(io, bundle, String(exportName), input === undefined ? rest[0] : String(input), options);
    });
}
