// Helpers shared by scripts/build-examples.mjs and scripts/build-fixtures.mjs.
// Plain ESM, node: built-ins only.
import { readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (scripts/lib/ is two levels below it). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Every file under the given files/directories (recursively), skipping missing paths. */
export function listFiles(paths) {
  const files = [];
  const walk = (path) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) walk(join(path, entry));
    } else if (stat.isFile()) {
      files.push(path);
    }
  };
  for (const path of paths) walk(path);
  return files;
}

/** Modification time of a file in ms, or -Infinity when it does not exist. */
export function mtimeOf(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -Infinity;
  }
}

/** True when `output` exists and is newer than every file under `inputs`. */
export function isUpToDate(output, inputs) {
  const built = mtimeOf(output);
  if (built === -Infinity) return false;
  return listFiles(inputs).every((file) => mtimeOf(file) < built);
}

/** Parses the shared command line: `--force` and optional names to build. */
export function parseArgs(argv, usage) {
  const options = { force: false, names: [] };
  for (const arg of argv) {
    if (arg === "--force" || arg === "-f") options.force = true;
    else if (arg === "--help" || arg === "-h") {
      console.log(usage);
      process.exit(0);
    } else if (arg.startsWith("-")) {
      console.error(`unknown option ${arg}\n${usage}`);
      process.exit(2);
    } else options.names.push(arg);
  }
  return options;
}

export function formatSize(bytes) {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} kB`;
}

/** One aligned report line: `  built    hello          9.8 kB     812 ms`. */
export function reportLine(status, name, { size, ms, note } = {}) {
  const parts = [`  ${status.padEnd(8)} ${name.padEnd(20)}`];
  parts.push(size === undefined ? "".padStart(9) : formatSize(size).padStart(9));
  parts.push(ms === undefined ? "".padStart(9) : `${Math.round(ms)} ms`.padStart(9));
  if (note) parts.push(`  ${note}`);
  return parts.join("").trimEnd();
}

export function rel(path) {
  return relative(repoRoot, path) || ".";
}
