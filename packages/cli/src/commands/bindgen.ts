import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { CAC } from "cac";
import { MAX_MANIFEST_BYTES, parseManifest } from "@threadspace/manifest";
import { generateAs } from "../bindgen/generate-as.ts";
import { generateC } from "../bindgen/generate-c.ts";
import { generateTs } from "../bindgen/generate-ts.ts";
import { locateBundle, readFileCapped, writeFileAtomic } from "../files.ts";
import type { CliIo } from "../io.ts";
import { EXIT_OK, UsageError, displayPath } from "../output.ts";

/** The languages bindgen writes, and where by default (relative to the bundle folder). */
const LANGUAGES = {
  ts: { generate: generateTs, file: (name: string) => `bindings/${name}.ts`, what: "TypeScript types and a typed client for embedders" },
  as: { generate: generateAs, file: () => "src/exports.generated.ts", what: "AssemblyScript input/output classes for the plugin (with @threadspace/pdk-as's Json)" },
  c: { generate: generateC, file: () => "src/exports.generated.h", what: "C structs with parse/serialize helpers for the plugin (with threadspace.h)" },
} as const;

type Language = keyof typeof LANGUAGES;

/** Options of {@link bindgen}. */
export interface BindgenOptions {
  readonly lang?: string;
  /** Where to write. Default: per language, inside the bundle folder. */
  readonly out?: string;
  /** Print to stdout instead of writing a file. */
  readonly stdout?: boolean;
}

/**
 * `threadspace bindgen <dir> --lang ts|as|c [--out file]`: writes typed bindings from plugin.json's
 * `exports` schemas (docs/exports.md): for embedders (`ts`: types, encodings and a `typedPlugin`
 * client) or for the plugin's author (`as`, `c`: typed input parsing and output writing).
 */
export async function bindgen(io: CliIo, target: string, options: BindgenOptions = {}): Promise<number> {
  const lang = options.lang;
  if (lang === undefined || !Object.hasOwn(LANGUAGES, lang)) {
    throw new UsageError(`--lang must be one of ${Object.keys(LANGUAGES).join(", ")}; got ${lang === undefined ? "nothing" : JSON.stringify(lang)}.`, "bindgen");
  }
  const language = LANGUAGES[lang as Language];
  const { dir, manifestPath } = await locateBundle(io, target);
  const manifest = parseManifest(await readFileCapped(manifestPath, MAX_MANIFEST_BYTES, dir), { source: displayPath(io, manifestPath) });
  if (manifest.exports === undefined || Object.keys(manifest.exports).length === 0) {
    throw new UsageError(`${displayPath(io, manifestPath)} declares no "exports": describe each callable export's input and output there first (docs/exports.md).`, "bindgen");
  }
  const command = `threadspace bindgen ${target} --lang ${lang}`;
  const text = language.generate(manifest, command);
  if (options.stdout === true) {
    io.stdout(text);
    return EXIT_OK;
  }
  const path = resolve(options.out === undefined ? dir : io.cwd, options.out ?? language.file(manifest.name));
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, text);
  io.stderr(`✓ wrote ${language.what} to ${displayPath(io, path)}\n`);
  return EXIT_OK;
}

/** Registers `bindgen` on the command line. */
export function defineBindgen(cli: CAC, io: CliIo): void {
  cli
    .command("bindgen <bundle>", "Write typed bindings from plugin.json's export schemas: --lang ts (embedders), as or c (plugin authors)")
    .option("--lang <lang>", "ts: types and a typedPlugin client; as: AssemblyScript classes; c: structs with parse/serialize helpers")
    .option("--out <file>", "Where to write; default bindings/<name>.ts, src/exports.generated.ts or src/exports.generated.h in the bundle")
    .option("--stdout", "Print the bindings instead of writing a file")
    .example("  $ threadspace bindgen examples/hello --lang ts --out src/hello-plugin.ts")
    .example("  $ threadspace bindgen examples/memory-analyzer --lang as")
    .action((bundle: string, options: { lang?: string; out?: string; stdout?: boolean }) =>
      bindgen(io, bundle, { ...(options.lang === undefined ? {} : { lang: String(options.lang) }), ...(options.out === undefined ? {} : { out: String(options.out) }), stdout: options.stdout === true }),
    );
}
