import { readFile, realpath, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** The prefix of an npm specifier: `engine.install("npm:threadspace-plugin-hello")`. */
export const NPM_PREFIX = "npm:";

/** An npm package name (optionally scoped), as `npm publish` accepts it. */
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** The largest package.json read (64 KiB). */
const MAX_PACKAGE_JSON_BYTES = 64 * 1024;

/** The `threadspace` field of a plugin package's package.json (`threadspace pack --npm` writes it). */
export interface PluginPackageField {
  /** The `.tsp` inside the package, relative to it (the engine installs and verifies this). */
  readonly bundle: string;
}

/** True when `source` could name an npm package (`npm:` specifier, or a bare package name). */
export function looksLikePackage(source: string): boolean {
  return source.startsWith(NPM_PREFIX) || PACKAGE_NAME.test(source);
}

/** The folders `node_modules/<name>` from `from` up to the root, nearest first (Node's lookup). */
function candidates(name: string, from: string): string[] {
  const out: string[] = [];
  for (let at = resolve(from); ; at = dirname(at)) {
    if (!at.endsWith("/node_modules")) out.push(join(at, "node_modules", name));
    if (dirname(at) === at) return out;
  }
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

/**
 * Resolves an installed plugin package (`threadspace-plugin-hello`, or `npm:threadspace-plugin-hello`)
 * the way Node finds packages (`node_modules` from `from` upwards) to the file URL of the `.tsp` its
 * package.json's `threadspace.bundle` names. The bundle must stay inside the package. Throws an
 * Error saying what was looked for when there is no such package, or it is not a plugin package.
 */
export async function resolvePluginPackage(source: string, from: string = process.cwd()): Promise<URL> {
  const name = source.startsWith(NPM_PREFIX) ? source.slice(NPM_PREFIX.length) : source;
  if (!PACKAGE_NAME.test(name)) throw new Error(`"${name}" is not an npm package name (lowercase, optionally @scope/name)`);
  for (const dir of candidates(name, from)) {
    const info = await stat(join(dir, "package.json")).catch(() => undefined);
    if (info === undefined) continue;
    if (info.size > MAX_PACKAGE_JSON_BYTES) throw new Error(`${join(dir, "package.json")} is larger than ${MAX_PACKAGE_JSON_BYTES} bytes`);
    let field: unknown;
    try {
      field = (JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { threadspace?: unknown }).threadspace;
    } catch (cause) {
      throw new Error(`${join(dir, "package.json")} is not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
    const bundle = (field as Partial<PluginPackageField> | undefined)?.bundle;
    if (typeof bundle !== "string" || !bundle.toLowerCase().endsWith(".tsp")) {
      throw new Error(`the package ${name} (${dir}) is not a Threadspace plugin package: its package.json has no "threadspace": { "bundle": "<file>.tsp" } (threadspace pack --npm writes one)`);
    }
    const root = await realpath(dir);
    const path = await realpath(resolve(dir, bundle)).catch(() => undefined);
    if (path === undefined) throw new Error(`the package ${name} names "threadspace.bundle": "${bundle}", which is not in ${dir}; reinstall the package`);
    if (!inside(root, path)) throw new Error(`the package ${name} names "threadspace.bundle": "${bundle}", which leads outside the package; refused`);
    return pathToFileURL(path);
  }
  throw new Error(`no installed npm package "${name}" (looked for node_modules/${name}/package.json from ${resolve(from)} upwards). Install it (npm install ${name}) or pass a path`);
}
