/**
 * The consumer suite's shared project: the packed tarballs of every published package installed
 * with `npm install` into a folder outside the repository (under os.tmpdir()), third-party
 * dependencies from the registry. The folder is named by the tarballs' hash, so an unchanged
 * build reuses the install; each case writes its own app in a subfolder (Node resolution walks
 * up to the shared node_modules).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packAll } from "../../scripts/lib/packages.mjs";

const MARKER = "installed.json";

/** Packs, then installs (or reuses) the consumer project. Returns its folder. */
export function prepareConsumerProject(): string {
  const base = join(tmpdir(), "threadspace-consumers");
  const packs = join(base, `packs-${process.pid}`);
  const tarballs = packAll(packs);
  const hash = createHash("sha256");
  for (const [name, path] of [...tarballs].sort(([a], [b]) => a.localeCompare(b))) hash.update(name).update(readFileSync(path));
  const dir = join(base, hash.digest("hex").slice(0, 16));
  if (existsSync(join(dir, MARKER))) {
    rmSync(packs, { recursive: true, force: true });
    return dir;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "tarballs"), { recursive: true });
  const dependencies: Record<string, string> = {};
  const overrides: Record<string, string> = {};
  for (const [name, path] of tarballs) {
    const kept = join(dir, "tarballs", path.slice(packs.length + 1));
    writeFileSync(kept, readFileSync(path));
    dependencies[name] = `file:${kept}`;
    // The packages depend on each other by version: point those at the tarballs too, never the registry.
    overrides[name] = `$${name}`;
  }
  rmSync(packs, { recursive: true, force: true });
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "threadspace-consumer", private: true, type: "module", dependencies, overrides }, null, 2)}\n`);
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: "pipe" });
  writeFileSync(join(dir, MARKER), `${JSON.stringify({ at: new Date().toISOString(), packages: Object.keys(dependencies) })}\n`);
  return dir;
}

/** A fresh, empty app folder inside the consumer project. */
export function appDir(project: string, name: string): string {
  const dir = join(project, "apps", `${name}-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
