// Helpers shared by scripts/build-examples.mjs and scripts/build-fixtures.mjs.
// Plain ESM (no loader needed).
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (scripts/lib/ is two levels below it). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

// Listing files and the staleness check are the CLI's (one implementation for every build).
export { isUpToDate, listFiles } from "../../packages/cli/src/build/plugin-build.js";

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
