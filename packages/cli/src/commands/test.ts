import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CAC } from "cac";
import { createEngine, isThreadspaceError, type CallResult, type Engine } from "@threadspace/core";
import { ThreadspaceError } from "@threadspace/errors";
import { buildInputs, isUpToDate, languageOf, pdkOf } from "../build/plugin-build.js";
import { isNotFound, locateBundle, readFileCapped } from "../files.ts";
import type { CliIo } from "../io.ts";
import { EXIT_FAILURE, EXIT_OK, UsageError, displayPath, line } from "../output.ts";
import { runVitest, vitestFiles } from "../test-runner/vitest-suite.ts";
import { buildBundle, readBundleManifest } from "./build.ts";
import { checkTraces } from "./test-traces.ts";

/** The largest tests/cases.json read (1 MiB). */
const MAX_CASES_BYTES = 1024 * 1024;

/** One call `threadspace test` makes, and what it must answer (tests/cases.json). */
export interface TestCase {
  readonly name?: string;
  readonly export: string;
  /** Text as is; any other JSON value is sent as JSON. Default: empty. */
  readonly input?: unknown;
  /** Config overrides applied (JSON merge patch) before this call. */
  readonly config?: Record<string, unknown>;
  /** The most fuel (instructions) the call may use: it runs with this budget, and fails over it (`fuel_exhausted`). */
  readonly maxFuel?: number;
  readonly expect: { readonly text?: string; readonly json?: unknown; readonly error?: string };
}

/** Options of {@link testPlugin}. */
export interface TestOptions {
  /** The cases file (default `<dir>/tests/cases.json`, when present). */
  readonly cases?: string;
  /** Build first when the wasm is missing or older than its sources (default true). */
  readonly build?: boolean;
  /** Run tests/*.test.ts with Vitest after the cases (default true, when there are any). */
  readonly vitest?: boolean;
}

function caseProblem(value: unknown, index: number): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return `cases[${index}] must be an object`;
  const item = value as Record<string, unknown>;
  if (typeof item["export"] !== "string" || item["export"] === "") return `cases[${index}].export must be the name of an export`;
  const expected = item["expect"];
  if (typeof expected !== "object" || expected === null) return `cases[${index}].expect must be an object with text, json or error`;
  const keys = Object.keys(expected).filter((key) => key === "text" || key === "json" || key === "error");
  if (keys.length !== 1) return `cases[${index}].expect must have exactly one of text, json or error`;
  if (item["config"] !== undefined && (typeof item["config"] !== "object" || item["config"] === null || Array.isArray(item["config"]))) return `cases[${index}].config must be an object`;
  const maxFuel = item["maxFuel"];
  if (maxFuel !== undefined && (typeof maxFuel !== "number" || !Number.isSafeInteger(maxFuel) || maxFuel < 1)) return `cases[${index}].maxFuel must be a whole number of at least 1 (instructions)`;
  return undefined;
}

/** Reads and checks a cases file: `{ "cases": [ { export, input?, config?, expect } ] }`. */
export async function readCases(io: CliIo, path: string): Promise<TestCase[]> {
  const shown = displayPath(io, path);
  const bytes = await readFileCapped(path, MAX_CASES_BYTES).catch((cause: unknown) => {
    throw new ThreadspaceError("source_invalid", `cannot read ${shown}: ${isNotFound(cause) ? "it does not exist" : cause instanceof Error ? cause.message : String(cause)}.`, { cause });
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new ThreadspaceError("bad_input", `${shown} is not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}.`, { cause });
  }
  const cases = (parsed as { cases?: unknown } | null)?.cases;
  if (!Array.isArray(cases)) throw new ThreadspaceError("bad_input", `${shown} must be an object with a "cases" array: { "cases": [{ "export": "greet", "input": "Ada", "expect": { "text": "..." } }] }.`);
  const problems = cases.map(caseProblem).filter((problem): problem is string => problem !== undefined);
  if (problems.length > 0) throw new ThreadspaceError("bad_input", `${shown}: ${problems.join("; ")}.`);
  return cases as TestCase[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** How one case went: undefined `why` when it passed; the fuel it used when it returned. */
interface CaseOutcome {
  readonly why: string | undefined;
  readonly fuel?: number | undefined;
}

/** Runs one case, reporting its fuel. */
async function runCase(engine: Engine, plugin: string, item: TestCase): Promise<CaseOutcome> {
  if (item.config !== undefined) await engine.config.set(plugin, item.config);
  const input = item.input === undefined ? "" : typeof item.input === "string" ? item.input : (item.input as object);
  let result;
  try {
    result = await engine.call(plugin, item.export, input, item.maxFuel === undefined ? undefined : { fuel: item.maxFuel });
  } catch (error) {
    if (item.expect.error !== undefined && isThreadspaceError(error) && error.code === item.expect.error) return { why: undefined };
    if (isThreadspaceError(error, "fuel_exhausted") && item.maxFuel !== undefined) return { why: `used more than maxFuel ${item.maxFuel}: make the export cheaper or raise maxFuel` };
    const got = isThreadspaceError(error) ? `error ${error.code}: ${error.message}` : `error: ${String(error)}`;
    return { why: item.expect.error !== undefined ? `expected error ${item.expect.error}, got ${got}` : `failed with ${got}` };
  }
  return { why: checkOutput(item, result), fuel: result.fuel };
}

/** Whether a case's output is what it expects: undefined when it is, else what went wrong. */
function checkOutput(item: TestCase, result: CallResult): string | undefined {
  if (item.expect.error !== undefined) return `expected error ${item.expect.error}, got output ${JSON.stringify(result.text())}`;
  if (item.expect.text !== undefined) return result.text() === item.expect.text ? undefined : `expected ${JSON.stringify(item.expect.text)}, got ${JSON.stringify(result.text())}`;
  let json: unknown;
  try {
    json = result.json();
  } catch {
    return `expected JSON ${JSON.stringify(item.expect.json)}, got ${JSON.stringify(result.text())}`;
  }
  return same(json, item.expect.json) ? undefined : `expected ${JSON.stringify(item.expect.json)}, got ${JSON.stringify(json)}`;
}

/**
 * `threadspace test [dir]`: builds the plugin when its wasm is stale, then checks it in a real
 * engine the way hosts will run it: it installs (plugin.json valid, hash, imports, init_plugin,
 * get_metadata matching), answers health_check, runs every case of tests/cases.json in order,
 * and unloads (cleanup). Everything plugin.json requests is granted. Exit 1 on any failure.
 */
export async function testPlugin(io: CliIo, target = ".", options: TestOptions = {}): Promise<number> {
  const { dir, manifestPath } = await locateBundle(io, target);
  const manifest = await readBundleManifest(io, manifestPath);
  const wasmPath = resolve(dir, manifest.main);
  const hasSources = existsSync(join(dir, "src"));
  if (options.build !== false && hasSources) {
    const language = languageOf(dir);
    if (!isUpToDate(wasmPath, buildInputs(dir, pdkOf(dir, language)))) await buildBundle(io, dir);
  }
  const casesPath = options.cases === undefined ? join(dir, "tests", "cases.json") : resolve(io.cwd, options.cases);
  const cases = options.cases !== undefined || existsSync(casesPath) ? await readCases(io, casesPath) : [];
  let failed = 0;
  let checks = 0;
  const report = (ok: boolean, what: string, why?: string) => {
    checks++;
    if (!ok) failed++;
    line(io, `${ok ? "✓" : "✗"} ${what}${why === undefined ? "" : `\n    ${why}`}`);
  };
  const logs: string[] = [];
  // Debug mode: every output is checked against plugin.json's export schemas (output_invalid).
  const engine = await createEngine({ grant: true, checkOutputs: true, logger: { trace() {}, debug() {}, info() {}, warn: (...args: unknown[]) => logs.push(args.join(" ")), error: (...args: unknown[]) => logs.push(args.join(" ")) } });
  try {
    line(io, `${manifest.name} ${manifest.version} (${displayPath(io, dir)})`);
    try {
      await engine.install(dir);
      report(true, `installs: plugin.json, hash, imports${manifest.interface === "threadspace" ? ", init_plugin, get_metadata" : ""}`);
    } catch (error) {
      report(false, "installs", isThreadspaceError(error) ? `[${error.code}] ${error.message}` : String(error));
      line(io, `1 of 1 checks failed (nothing else runs until it installs)`);
      return EXIT_FAILURE;
    }
    const info = engine.get(manifest.name);
    if (info?.exports.some((e) => e.name === "health_check") === true) {
      const health = await engine.health(manifest.name);
      report(health.status === "healthy", `health_check answers ${health.status}`, health.status === "healthy" ? undefined : health.message);
    }
    for (const [index, item] of cases.entries()) {
      const { why, fuel } = await runCase(engine, manifest.name, item);
      const spent = fuel === undefined ? "" : ` (fuel ${fuel}${item.maxFuel === undefined ? "" : ` of ${item.maxFuel}`})`;
      report(why === undefined, `${item.name ?? `case ${index + 1}`}: ${item.export}${spent}`, why);
    }
    // Regression traces (tests/traces/*.tstrace, docs/replay.md): each replays the same.
    await checkTraces(io, engine, manifest.name, dir, report);
    for (const entry of engine.logs(manifest.name).filter((entry) => entry.level === "error")) io.stderr(`  plugin log (error): ${entry.message}\n`);
    let cleanupError: string | undefined;
    engine.hook("plugin:unload", (event) => {
      if (event.cleanupError !== undefined) cleanupError = event.cleanupError.message;
    });
    await engine.unload(manifest.name);
    if (info?.exports.some((e) => e.name === "cleanup") === true) report(cleanupError === undefined, "cleanup on unload", cleanupError);
  } finally {
    await engine.close();
  }
  for (const message of logs) io.stderr(`  engine: ${message}\n`);
  // The author's own tests after the engine checks: tests/*.test.ts with Vitest (test-runner/).
  const files = options.vitest === false ? [] : vitestFiles(dir);
  if (files.length > 0) {
    line(io, `Vitest: ${files.join(", ")}`);
    const code = await runVitest(io, dir);
    report(code === 0, `Vitest: ${files.join(", ")}`, code === 0 ? undefined : `vitest exited with ${code} (its report is above)`);
  }
  line(io, failed === 0 ? `all ${checks} checks passed` : `${failed} of ${checks} checks failed`);
  return failed === 0 ? EXIT_OK : EXIT_FAILURE;
}

/** Registers `test` on the command line. */
export function defineTest(cli: CAC, io: CliIo): void {
  cli
    .command("test [dir]", "Check a plugin in a real engine: install, health_check, the calls in tests/cases.json, the traces in tests/traces/, cleanup (builds first when stale); then tests/*.test.ts with Vitest")
    .option("--cases <file>", "The cases file (default <dir>/tests/cases.json)")
    .option("--no-build", "Do not build first, even when the wasm is stale")
    .option("--no-vitest", "Do not run tests/*.test.ts with Vitest")
    .example("  $ threadspace test my_plugin")
    .action((dir: string | undefined, options: { cases?: unknown; build?: unknown; vitest?: unknown }) => {
      if (Array.isArray(options.cases)) throw new UsageError("--cases may be given once.", "test");
      return testPlugin(io, dir === undefined ? "." : String(dir), { build: options.build !== false, vitest: options.vitest !== false, ...(options.cases === undefined ? {} : { cases: String(options.cases) }) });
    });
}
