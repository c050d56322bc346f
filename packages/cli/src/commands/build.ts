import { rm, utimes } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import type { CAC } from "cac";
import { sha256Hex } from "@threadspace/core/tools";
import { ThreadspaceError } from "@threadspace/errors";
import { MAX_MANIFEST_BYTES, parseManifest, type PluginManifest } from "@threadspace/manifest";
import { formatBuildError } from "../build/diagnostics.ts";
import { BuildError, compilePlugin } from "../build/plugin-build.js";
import { isNotFound, locateBundle, readFileCapped } from "../files.ts";
import type { CliIo } from "../io.ts";
import { EXIT_OK, UsageError, displayPath, formatSize, line } from "../output.ts";
import { importProblem } from "../wasm-file.ts";
import { buildWatch } from "./build-watch.ts";
import { cap } from "./cap.ts";
import { writeHash } from "./hash.ts";
import { hostFunctionList } from "./validate.ts";

/** Options of {@link build}. */
export interface BuildOptions {
  /** Write the wasm's sha256 into plugin.json's `hash` (default true). */
  readonly hash?: boolean;
  /** Host functions the embedder adds (`engine.defineHostApi`), accepted as imports besides the engine's own. */
  readonly hostFunctions?: readonly string[];
}

/** What {@link build} made. */
export interface BuiltPlugin {
  readonly dir: string;
  readonly manifest: PluginManifest;
  /** The wasm written (plugin.json's `main`). */
  readonly wasmPath: string;
  readonly digest: string;
}

/** Reads and validates a bundle's plugin.json (`manifest_invalid` lists every problem). */
export async function readBundleManifest(io: CliIo, manifestPath: string): Promise<PluginManifest> {
  const shown = displayPath(io, manifestPath);
  const bytes = await readFileCapped(manifestPath, MAX_MANIFEST_BYTES, dirname(manifestPath)).catch((cause: unknown) => {
    const why = isNotFound(cause) ? "it does not exist" : cause instanceof Error ? cause.message : String(cause);
    throw new ThreadspaceError("source_invalid", `cannot read ${shown}: ${why}. Pass a plugin's folder (the one holding plugin.json), or create one with "threadspace init-plugin".`, { cause });
  });
  return parseManifest(new TextDecoder().decode(bytes), { source: shown });
}

/**
 * Compiles a plugin folder (AssemblyScript src/index.ts or C src/*.c) to plugin.json's `main`,
 * checks the module as the engine will, and writes its hash into plugin.json. A failed build
 * leaves no wasm behind.
 */
export async function buildBundle(io: CliIo, target: string, options: BuildOptions = {}): Promise<BuiltPlugin> {
  const { dir, manifestPath } = await locateBundle(io, target);
  const manifest = await readBundleManifest(io, manifestPath);
  const wasmPath = resolve(dir, manifest.main);
  const started = performance.now();
  let built;
  try {
    built = await compilePlugin(dir, wasmPath, manifest);
    // The imports against the engine's host functions, as install will check them (with "did you mean").
    const imports = importProblem(WebAssembly.Module.imports(new WebAssembly.Module(built.bytes as Uint8Array<ArrayBuffer>)), displayPath(io, wasmPath), options.hostFunctions);
    if (imports !== undefined) throw new ThreadspaceError("wasm_invalid", imports);
  } catch (error) {
    await rm(wasmPath, { force: true });
    // Compiler problems as file:line:col relative to the working directory (build/diagnostics.ts).
    if (error instanceof BuildError) throw new BuildError(formatBuildError(error, io.cwd, io.env["THREADSPACE_DEBUG"] === "1"));
    throw error;
  }
  if (built.warnings !== "") io.stderr(`${built.warnings}\n`);
  const digest = `sha256:${await sha256Hex(built.bytes)}`;
  const kind = built.usesPdk ? `${built.language} + ${built.language === "c" ? "pdk-c" : "pdk-as"}` : built.language;
  io.stderr(`✓ built ${manifest.name} ${manifest.version} (${kind}): ${displayPath(io, wasmPath)}, ${formatSize(built.bytes.byteLength)}, ${Math.round(performance.now() - started)} ms\n`);
  if (options.hash !== false) {
    await writeHash(io, dir, wasmPath, digest);
    // plugin.json changed after the wasm: keep the wasm the newer file, so it does not look stale.
    const now = new Date();
    await utimes(wasmPath, now, now);
  }
  return { dir, manifest, wasmPath, digest };
}

/** Where `build --fuel` writes the metered module by default: `plugin.wasm` → `plugin.metered.wasm`. */
export function meteredPath(wasmPath: string): string {
  return wasmPath.endsWith(".wasm") ? `${wasmPath.slice(0, -".wasm".length)}.metered.wasm` : `${wasmPath}.metered`;
}

/**
 * `threadspace build [dir]`: see {@link buildBundle}; prints the wasm's path and hash. With
 * `fuel`, also writes the metered module (as `threadspace cap --fuel`) to `fuelOut`, by default
 * next to the wasm as `<main>.metered.wasm`: the bundle keeps the plain build (the engine meters
 * it at install), the metered file is for hosts that take precompiled modules (workerd).
 */
export async function build(io: CliIo, target = ".", options: BuildOptions & { fuel?: boolean; fuelOut?: string } = {}): Promise<number> {
  const built = await buildBundle(io, target, options);
  line(io, `${relative(io.cwd, built.wasmPath) || built.wasmPath} ${built.digest}`);
  if (options.fuel === true) return cap(io, built.dir, { out: options.fuelOut ?? meteredPath(built.wasmPath), fuel: true });
  return EXIT_OK;
}

/** Registers `build` on the command line. */
export function defineBuild(cli: CAC, io: CliIo): void {
  cli
    .command("build [dir]", "Compile a plugin (AssemblyScript src/index.ts or C src/*.c) to its wasm, check it, and write its hash into plugin.json")
    .option("--no-hash", "Leave plugin.json's \"hash\" as it is")
    .option("--host-function <name>", "A host function your embedder adds (defineHostApi), accepted as an import; repeat for more")
    .option("--fuel", "Also write the metered module (as cap --fuel), by default to <main>.metered.wasm")
    .option("--out <file>", "With --fuel: where to write the metered module")
    .option("-w, --watch", "Build again whenever a source changes (a running threadspace run installs each build)")
    .example("  $ threadspace build my_plugin")
    .example("  $ threadspace build my_plugin --fuel --out worker/plugins/my_plugin.wasm")
    .example("  $ threadspace build my_plugin --watch")
    .action((dir: string | undefined, options: { hash?: unknown; fuel?: unknown; out?: unknown; hostFunction?: unknown; watch?: unknown }) => {
      if (Array.isArray(dir)) throw new UsageError("build takes one plugin folder.", "build");
      if (options.watch === true) {
        if (options.fuel === true) throw new UsageError("--watch builds the plugin's wasm; run build --fuel once when you need the metered module.", "build");
        return buildWatch(io, dir === undefined ? "." : String(dir), { hash: options.hash !== false, hostFunctions: hostFunctionList(options.hostFunction) });
      }
      if (options.out !== undefined && (options.fuel !== true || options.out === true || Array.isArray(options.out))) throw new UsageError("--out <file> goes with --fuel, once.", "build");
      return build(io, dir === undefined ? "." : String(dir), {
        hash: options.hash !== false,
        hostFunctions: hostFunctionList(options.hostFunction),
        fuel: options.fuel === true,
        ...(options.out === undefined ? {} : { fuelOut: String(options.out) }),
      });
    });
}
