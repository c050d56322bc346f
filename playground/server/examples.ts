/**
 * Reads the example plugins in `examples/` for the playground's server: the catalogue and the
 * few files of each bundle a browser needs. Paths come from the network, so only names that
 * are listed here are read.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ExampleEntry } from "../shared/example-entry.ts";

export type { ExampleEntry };

/** A response: status, content type and body. */
export interface ExampleFile {
  readonly status: number;
  readonly type: string;
  readonly body: string | Uint8Array;
}

const NAME = /^[a-z0-9][a-z0-9_-]*$/;
const FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

async function readEntry(examplesDir: string, name: string): Promise<ExampleEntry | undefined> {
  const dir = join(examplesDir, name);
  const text = await readFile(join(dir, "plugin.json"), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const manifest = JSON.parse(text) as Record<string, unknown>;
  const main = typeof manifest["main"] === "string" && FILE.test(manifest["main"]) ? manifest["main"] : "plugin.wasm";
  const [built, seed] = await Promise.all([exists(join(dir, main)), exists(join(dir, "seed.json"))]);
  return {
    name,
    version: String(manifest["version"] ?? ""),
    description: String(manifest["description"] ?? ""),
    permissions: Array.isArray(manifest["permissions"]) ? manifest["permissions"].map(String) : [],
    main,
    built,
    seed,
    files: ["plugin.json", ...(built ? [main] : []), ...(seed ? ["seed.json"] : [])],
  };
}

/** Every directory of `examplesDir` with a plugin.json, by name. */
export async function listExamples(examplesDir: string): Promise<ExampleEntry[]> {
  const names = (await readdir(examplesDir)).filter((name) => NAME.test(name)).sort();
  const entries = await Promise.all(names.map((name) => readEntry(examplesDir, name)));
  return entries.filter((entry): entry is ExampleEntry => entry !== undefined);
}

const notFound = (message: string): ExampleFile => ({ status: 404, type: "text/plain; charset=utf-8", body: message });

/** `index.json`, or `<example>/<file>` when that file is one the example serves. */
export async function readExampleFile(examplesDir: string, path: string): Promise<ExampleFile> {
  if (path === "index.json") {
    return { status: 200, type: "application/json", body: JSON.stringify(await listExamples(examplesDir)) };
  }
  const [name, file, ...rest] = path.split("/");
  if (name === undefined || file === undefined || rest.length > 0 || !NAME.test(name)) return notFound(`no example at /examples/${path}`);
  const entry = await readEntry(examplesDir, name);
  if (entry === undefined) return notFound(`no example named ${name} in examples/`);
  if (!entry.files.includes(file)) {
    const hint = file.endsWith(".wasm") && !entry.built ? `: it is not built yet; run \`npm run build:examples\`` : `; it serves ${entry.files.join(", ")}`;
    return notFound(`examples/${name}/${file} is not served${hint}`);
  }
  const body = await readFile(join(examplesDir, name, file));
  const type = file.endsWith(".wasm") ? "application/wasm" : "application/json";
  return { status: 200, type, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
}
