// The published packages and `npm pack` of them, shared by scripts/check-packages.mjs and the
// consumer suite (test/consumers/).
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Every published package: its folder under packages/, and whether it ships JavaScript with types. */
export const PUBLISHED = [
  { dir: "errors", js: true },
  { dir: "manifest", js: true },
  { dir: "storage", js: true },
  { dir: "bundle", js: true },
  { dir: "host", js: true },
  { dir: "core", js: true },
  { dir: "worker", js: true },
  { dir: "cli", js: true },
  { dir: "testing", js: true },
  { dir: "pdk-as", js: false },
  { dir: "pdk-c", js: false },
];

/**
 * Packs every published package (one `npm pack` over the workspaces) into `destination`.
 * Expects dist/ built (npm run build). Returns package name -> tarball path.
 * @param {string} destination
 * @returns {Map<string, string>}
 */
export function packAll(destination) {
  mkdirSync(destination, { recursive: true });
  const workspaces = PUBLISHED.flatMap(({ dir }) => ["--workspace", `packages/${dir}`]);
  const out = execFileSync("npm", ["pack", ...workspaces, "--pack-destination", destination, "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  /** @type {{ name: string, filename: string }[]} */
  const packed = JSON.parse(out);
  return new Map(packed.map(({ name, filename }) => [name, join(destination, filename)]));
}
