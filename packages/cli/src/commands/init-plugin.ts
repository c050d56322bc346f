import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CAC } from "cac";
import { ThreadspaceError } from "@threadspace/errors";
import { nameProblem } from "@threadspace/manifest";
import type { CliIo } from "../io.ts";
import { EXIT_OK, UsageError, displayPath, line } from "../output.ts";

/** The starters `init-plugin` copies (the repository's plugin-templates/, shipped in the package as templates/). */
export const TEMPLATES = { assemblyscript: "assemblyscript", c: "c" } as const;
export type TemplateName = keyof typeof TEMPLATES;
const TEMPLATE_ROOT = templateRoot();
/** Template files named without their dot (npm drops `.gitignore` from packages). */
const DOTTED = new Set(["gitignore"]);

/**
 * Where the templates are: inside the Threadspace repository (src/ or dist/ under packages/cli)
 * the repository's plugin-templates/, their source of truth; in an installed package the
 * templates/ folder `npm run build` copied into it.
 */
function templateRoot(): string {
  const repository = new URL("../../../../", import.meta.url);
  const inRepository = existsSync(new URL("packages/cli/package.json", repository)) && existsSync(new URL("plugin-templates/", repository));
  return fileURLToPath(inRepository ? new URL("plugin-templates/", repository) : new URL("../../templates/", import.meta.url));
}

/** Options of {@link initPlugin}. */
export interface InitPluginOptions {
  readonly template?: string;
  /** Where to create it (default: ./<name>). */
  readonly dir?: string;
  readonly description?: string;
  readonly author?: string;
}

/** Every file of a template, as paths relative to its folder. */
async function templateFiles(root: string, at = ""): Promise<string[]> {
  const entries = await readdir(join(root, at), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(at, entry.name);
    if (entry.isDirectory()) files.push(...(await templateFiles(root, path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/** A JSON string's contents (the template puts values inside "..." in JSON and C/TS strings). */
function escaped(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/**
 * `threadspace init-plugin <name>`: creates a plugin folder from a template (AssemblyScript or C)
 * with plugin.json, sources, tests/cases.json and a README, ready for `threadspace build` and
 * `threadspace test`. Refuses an invalid name and a folder that is not empty.
 */
export async function initPlugin(io: CliIo, name: string, options: InitPluginOptions = {}): Promise<number> {
  const problem = nameProblem(name);
  if (problem !== undefined) throw new UsageError(problem, "init-plugin");
  const template = (options.template ?? "assemblyscript") as TemplateName;
  if (!Object.hasOwn(TEMPLATES, template)) {
    throw new UsageError(`--template ${options.template}: unknown template. Templates: ${Object.keys(TEMPLATES).join(", ")}.`, "init-plugin");
  }
  const target = resolve(io.cwd, options.dir ?? name);
  const shown = displayPath(io, target);
  const existing = await readdir(target).catch((cause: NodeJS.ErrnoException) => {
    if (cause.code === "ENOENT") return [];
    throw new ThreadspaceError("source_invalid", `cannot use ${shown}: ${cause.message}.`, { cause });
  });
  if (existing.length > 0) {
    throw new ThreadspaceError("source_invalid", `${shown} is not empty (${existing.slice(0, 3).join(", ")}${existing.length > 3 ? ", ..." : ""}); init-plugin never overwrites files. Pick another name or --dir.`);
  }
  const values: Record<string, string> = {
    name,
    description: options.description ?? `The ${name} plugin.`,
    author: options.author ?? io.env["USER"] ?? "Unknown",
  };
  const root = join(TEMPLATE_ROOT, TEMPLATES[template]);
  const files = await templateFiles(root);
  for (const file of files) {
    const text = (await readFile(join(root, file), "utf8")).replace(/\{\{(name|description|author)\}\}/g, (_, key: string) => escaped(values[key] as string));
    const out = join(target, DOTTED.has(file) ? `.${file}` : file);
    await mkdir(join(out, ".."), { recursive: true });
    await writeFile(out, text, { flag: "wx" });
  }
  const relativeDir = relative(io.cwd, target) || ".";
  io.stderr(`✓ created ${shown} from the ${template} template (${files.length} files)\n`);
  line(io, `Next:`);
  line(io, `  npx threadspace build ${relativeDir}        # compile src/ to plugin.wasm`);
  line(io, `  npx threadspace test ${relativeDir}         # lifecycle checks + tests/cases.json`);
  line(io, `  npx threadspace call ${relativeDir} greet Ada --grant all`);
  return EXIT_OK;
}

/** Registers `init-plugin` on the command line. */
export function defineInitPlugin(cli: CAC, io: CliIo): void {
  cli
    .command("init-plugin <name>", "Create a plugin folder from a template (AssemblyScript or C), ready to build and test")
    .option("--template <template>", `Template: ${Object.keys(TEMPLATES).join(" or ")} (default assemblyscript)`)
    .option("--dir <dir>", "Where to create it (default ./<name>; must be empty or missing)")
    .option("--description <text>", "plugin.json description")
    .option("--author <name>", "plugin.json author (default $USER)")
    .example("  $ threadspace init-plugin my_plugin")
    .example("  $ threadspace init-plugin my_filter --template c --dir plugins/my_filter")
    .action((name: string, options: Record<string, unknown>) => {
      for (const key of ["template", "dir", "description", "author"]) {
        if (Array.isArray(options[key])) throw new UsageError(`--${key} may be given once.`, "init-plugin");
      }
      const pick = (key: string) => (options[key] === undefined ? {} : { [key]: String(options[key]) });
      return initPlugin(io, String(name), { ...pick("template"), ...pick("dir"), ...pick("description"), ...pick("author") });
    });
}
