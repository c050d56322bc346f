import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { CAC } from "cac";
import { describeModule, readMeterSection, sha256Hex, type MeterInfo } from "@threadspace/core/tools";
import { ThreadspaceError } from "@threadspace/errors";
import { MAX_MANIFEST_BYTES, parseManifest, type PluginManifest } from "@threadspace/manifest";
import { MAX_WASM_BYTES, isNotFound, locateBundle, readFileCapped } from "../files.ts";
import type { CliIo } from "../io.ts";
import { EXIT_OK, displayPath, formatSize, line } from "../output.ts";
import { isTspPath, readTspFile } from "../tsp-file.ts";
import { compileWasmFile, missingWasmMessage } from "../wasm-file.ts";
import { WASM_PAGE_BYTES, readMemoryLimits, type MemoryLimits } from "../wasm-memory.ts";

/** Whether the wasm matches plugin.json's `hash`. */
export type HashStatus = "match" | "mismatch" | "absent";

/** What `inspect --json` prints. */
export interface InspectReport {
  /** The manifest summary; absent when a .wasm file was inspected on its own. */
  readonly manifest?: {
    readonly path: string;
    readonly name: string;
    readonly version: string;
    readonly description: string;
    readonly author: string;
    readonly interface: PluginManifest["interface"];
    readonly main: string;
    readonly hash: string | null;
    readonly hashStatus: HashStatus;
    readonly capabilities: readonly string[];
    readonly permissions: readonly string[];
    readonly dependencies: readonly string[];
    readonly subscriptions: readonly string[];
    readonly limits: PluginManifest["limits"];
  };
  readonly wasm: {
    readonly path: string;
    readonly size: number;
    readonly sha256: string;
    readonly exports: readonly { readonly name: string; readonly kind: string }[];
    /** Imports grouped by module name. */
    readonly imports: Readonly<Record<string, readonly { readonly name: string; readonly kind: string }[]>>;
    readonly memories: readonly {
      readonly index: number;
      readonly imported: boolean;
      readonly import: { readonly module: string; readonly name: string } | null;
      readonly initialPages: number;
      readonly maximumPages: number | null;
      readonly shared: boolean;
      readonly memory64: boolean;
      readonly pageBytes: number;
    }[];
    readonly usesWasi: boolean;
    /** The module's `threadspace.meter` section (docs/metering.md), or null when it is not metered. */
    readonly metered: MeterInfo | null;
  };
}

/** A wasm to read, and the bundle plugin.json naming it (absent for a bare .wasm). */
export interface Target {
  readonly wasmPath: string;
  /** The bundle folder its files must resolve inside (absent for a bare .wasm). */
  readonly dir?: string;
  readonly manifest?: { readonly path: string; readonly value: PluginManifest };
  /** The wasm's bytes when already read (from a .tsp). */
  readonly bytes?: Uint8Array;
}

/** A .tsp on the command line: its entries, named `<file.tsp>:<entry>` (strictly unpacked; `verify` checks hash and signature). */
async function resolveTspTarget(io: CliIo, target: string): Promise<Target> {
  const { path, bundle } = await readTspFile(io, target);
  return { wasmPath: `${path}:${bundle.wasmEntry}`, manifest: { path: `${path}:plugin.json`, value: bundle.manifestJson }, bytes: bundle.wasm };
}

/** A bundle folder, plugin.json or .wasm on the command line, as the wasm to read and its manifest. */
export async function resolveTarget(io: CliIo, target: string): Promise<Target> {
  const path = resolve(io.cwd, target);
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile() === true && !path.endsWith(".json")) return { wasmPath: path };
  const { dir, manifestPath } = await locateBundle(io, target);
  const shown = displayPath(io, manifestPath);
  const bytes = await readFileCapped(manifestPath, MAX_MANIFEST_BYTES, dir).catch((cause: unknown) => {
    const why = isNotFound(cause) ? "it does not exist" : cause instanceof Error ? cause.message : String(cause);
    throw new ThreadspaceError("source_invalid", `cannot read ${shown}: ${why}. Pass a plugin's folder (the one holding plugin.json) or a .wasm file.`, { cause });
  });
  const manifest = parseManifest(bytes, { source: shown });
  return { wasmPath: resolve(dir, manifest.main), dir, manifest: { path: manifestPath, value: manifest } };
}

/** Reads the target's wasm; `source_invalid` saying how to build it when it is missing. */
export async function readWasm(io: CliIo, target: Target): Promise<Uint8Array> {
  const shown = displayPath(io, target.wasmPath);
  return readFileCapped(target.wasmPath, MAX_WASM_BYTES, target.dir).catch((cause: unknown) => {
    const main = target.manifest?.value.main;
    const message = isNotFound(cause) && main !== undefined ? missingWasmMessage(main, shown) : `cannot read ${shown}: ${cause instanceof Error ? cause.message : String(cause)}.`;
    throw new ThreadspaceError("source_invalid", message, { plugin: target.manifest?.value.name, cause });
  });
}

function groupImports(imports: readonly WebAssembly.ModuleImportDescriptor[]): Record<string, { name: string; kind: string }[]> {
  const groups: Record<string, { name: string; kind: string }[]> = Object.create(null) as Record<string, { name: string; kind: string }[]>;
  for (const { module, name, kind } of imports) (groups[module] ??= []).push({ name, kind });
  return groups;
}

/** Builds the report `inspect` prints, from a bundle folder, a plugin.json or a .wasm file. */
export async function inspectTarget(io: CliIo, target: string): Promise<InspectReport> {
  const resolved = isTspPath(target) ? await resolveTspTarget(io, target) : await resolveTarget(io, target);
  const bytes = resolved.bytes ?? (await readWasm(io, resolved));
  const wasmShown = displayPath(io, resolved.wasmPath);
  const module = await compileWasmFile(bytes, wasmShown);
  const shape = describeModule(module);
  const sha256 = `sha256:${await sha256Hex(bytes)}`;
  const memories = readMemoryLimits(bytes).map((m: MemoryLimits) => ({
    index: m.index,
    imported: m.import !== undefined,
    import: m.import ?? null,
    initialPages: m.initialPages,
    maximumPages: m.maximumPages ?? null,
    shared: m.shared,
    memory64: m.memory64,
    pageBytes: m.pageBytes,
  }));
  const wasm: InspectReport["wasm"] = {
    path: wasmShown,
    size: bytes.byteLength,
    sha256,
    exports: WebAssembly.Module.exports(module).map(({ name, kind }) => ({ name, kind })),
    imports: groupImports(shape.imports),
    memories,
    usesWasi: shape.usesWasi,
    metered: readMeterSection(bytes) ?? null,
  };
  if (resolved.manifest === undefined) return { wasm };
  const m = resolved.manifest.value;
  const hashStatus: HashStatus = m.hash === undefined ? "absent" : m.hash === sha256 ? "match" : "mismatch";
  return {
    manifest: {
      path: displayPath(io, resolved.manifest.path),
      name: m.name,
      version: m.version,
      description: m.description,
      author: m.author,
      interface: m.interface,
      main: m.main,
      hash: m.hash ?? null,
      hashStatus,
      capabilities: m.capabilities,
      permissions: m.permissions,
      dependencies: m.dependencies,
      subscriptions: m.subscriptions,
      limits: m.limits,
    },
    wasm,
  };
}

const LABEL_WIDTH = 14;

function field(io: CliIo, label: string, value: string): void {
  line(io, `  ${label.padEnd(LABEL_WIDTH)}${value}`);
}

function listOrNone(values: readonly string[]): string {
  return values.length === 0 ? "none" : values.join(", ");
}

function describePages(pages: number, pageBytes: number): string {
  const bytes = pages * pageBytes;
  const size = bytes >= 1024 * 1024 ? `${+(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${pages} page${pages === 1 ? "" : "s"} (${size})`;
}

/** `defined, initial 1 page (64 KiB), maximum 16 pages (1 MiB)`. */
export function describeMemory(memory: InspectReport["wasm"]["memories"][number]): string {
  const where = memory.import === null ? "defined" : `imported from "${memory.import.module}" "${memory.import.name}"`;
  const max = memory.maximumPages === null ? "no maximum" : `maximum ${describePages(memory.maximumPages, memory.pageBytes)}`;
  const extras = [memory.shared ? "shared" : "", memory.memory64 ? "64-bit" : "", memory.pageBytes === WASM_PAGE_BYTES ? "" : `${memory.pageBytes}-byte pages`].filter(Boolean);
  return `${where}, initial ${describePages(memory.initialPages, memory.pageBytes)}, ${max}${extras.length > 0 ? `, ${extras.join(", ")}` : ""}`;
}

function printManifest(io: CliIo, manifest: NonNullable<InspectReport["manifest"]>): void {
  line(io, `${manifest.name}@${manifest.version}  (${manifest.path})`);
  if (manifest.description !== "") field(io, "description", manifest.description);
  if (manifest.author !== "") field(io, "author", manifest.author);
  field(io, "interface", manifest.interface);
  field(io, "capabilities", listOrNone(manifest.capabilities));
  field(io, "permissions", listOrNone(manifest.permissions));
  field(io, "dependencies", listOrNone(manifest.dependencies));
  if (manifest.subscriptions.length > 0) field(io, "subscriptions", manifest.subscriptions.join(", "));
  const limits = Object.entries(manifest.limits).map(([key, value]) => `${key}=${String(value)}`);
  if (limits.length > 0) field(io, "limits", limits.join(", "));
  line(io);
}

/** The `threadspace.meter` section in words: what the metering rewrite applied, or that it did not run. */
export function describeMeter(meter: MeterInfo | null): string {
  if (meter === null) return "no (the engine meters it at install; threadspace cap --fuel meters it for workerd)";
  const caps = [meter.memoryPages === null ? "" : `memory ≤ ${meter.memoryPages} pages`, meter.tableElements === null ? "" : `tables ≤ ${meter.tableElements} elements`].filter(Boolean);
  return `yes (transform version ${meter.version}${meter.fuel ? ", fuel" : ", caps only"}${caps.length > 0 ? `, ${caps.join(", ")}` : ""})`;
}

function printWasm(io: CliIo, report: InspectReport): void {
  const { wasm, manifest } = report;
  line(io, `wasm  ${wasm.path}`);
  field(io, "size", formatSize(wasm.size));
  const status = manifest === undefined ? "" : { match: "  (matches plugin.json)", mismatch: `  (DOES NOT MATCH plugin.json: ${manifest.hash ?? ""})`, absent: '  (plugin.json has no "hash")' }[manifest.hashStatus];
  field(io, "sha256", `${wasm.sha256}${status}`);
  field(io, "wasi", wasm.usesWasi ? "yes (wasi_snapshot_preview1, served with nothing mounted)" : "no");
  field(io, "metered", describeMeter(wasm.metered));
  if (wasm.memories.length === 0) field(io, "memory", "none");
  for (const memory of wasm.memories) field(io, wasm.memories.length === 1 ? "memory" : `memory ${memory.index}`, describeMemory(memory));
  const functions = wasm.exports.filter((e) => e.kind === "function").map((e) => e.name);
  const others = wasm.exports.filter((e) => e.kind !== "function").map((e) => `${e.name} (${e.kind})`);
  field(io, `exports (${wasm.exports.length})`, listOrNone([...functions, ...others]));
  const modules = Object.entries(wasm.imports);
  if (modules.length === 0) field(io, "imports", "none");
  else {
    line(io, `  imports (${modules.reduce((n, [, list]) => n + list.length, 0)})`);
    for (const [module, list] of modules) {
      const names = list.map((i) => (i.kind === "function" ? i.name : `${i.name} (${i.kind})`));
      line(io, `    ${module}: ${names.join(", ")}`);
    }
  }
}

/**
 * `threadspace inspect <dir|plugin.json|file.wasm> [--json]`: the manifest summary (for a bundle)
 * and the wasm's size, sha256, exports, imports, memory limits and WASI use.
 */
export async function inspect(io: CliIo, target: string, options: { json?: boolean } = {}): Promise<number> {
  const report = await inspectTarget(io, target);
  if (options.json === true) {
    line(io, JSON.stringify(report, null, 2));
    return EXIT_OK;
  }
  if (report.manifest !== undefined) printManifest(io, report.manifest);
  printWasm(io, report);
  return EXIT_OK;
}

/** Registers `inspect` on the command line. */
export function defineInspect(cli: CAC, io: CliIo): void {
  cli
    .command("inspect <target>", "Show a plugin's manifest (folder, plugin.json or .tsp) and its wasm: size, sha256, exports, imports, memory limits, WASI")
    .option("--json", "Print one JSON object")
    .example("  $ threadspace inspect examples/hello")
    .example("  $ threadspace inspect examples/hello/plugin.wasm --json")
    .action((target: string, options: { json?: boolean }) => inspect(io, target, options));
}
