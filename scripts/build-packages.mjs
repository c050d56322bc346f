// `npm run build`: every published package's dist/ (JavaScript, .d.ts and declaration maps) with
// the TypeScript compiler in build mode (tsconfig.build.json references each package's
// tsconfig.build.json, in dependency order; incremental), then the files a package ships beside
// its code: the bridge worker's bundled entries (scripts/build-worker.mjs: dist/bridge-worker.*.js),
// the CLI's plugin templates.
import { execFileSync } from "node:child_process";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const started = performance.now();
const clean = process.argv.includes("--clean");

if (clean) {
  for (const name of ["errors", "manifest", "storage", "bundle", "host", "core", "worker", "cli", "testing"]) rmSync(`${root}packages/${name}/dist`, { recursive: true, force: true });
}
execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-b", `${root}tsconfig.build.json`], { stdio: "inherit" });

// The worker entries, bundled (Node: no TypeScript loader in a worker thread).
execFileSync(process.execPath, [`${root}scripts/build-worker.mjs`, ...(clean ? ["--force"] : [])], { stdio: "inherit" });

// spawn-web names its worker `./bridge-worker.web.ts` so that Vite serves the source in the
// repository; in dist/ the sibling is the compiled `.js` (tsc rewrites imports, not URL strings).
const spawnWeb = `${root}packages/core/dist/isolation/bridge/spawn-web.js`;
const before = readFileSync(spawnWeb, "utf8");
const after = before.replaceAll('new URL("./bridge-worker.web.ts", import.meta.url)', 'new URL("./bridge-worker.web.js", import.meta.url)');
if (!after.includes('new URL("./bridge-worker.web.js", import.meta.url)')) throw new Error(`build: ${spawnWeb} no longer names ./bridge-worker.web.ts; update scripts/build-packages.mjs`);
writeFileSync(spawnWeb, after);

// `threadspace init-plugin` copies these; outside the repository they must be in the package.
rmSync(`${root}packages/cli/templates`, { recursive: true, force: true });
cpSync(`${root}plugin-templates`, `${root}packages/cli/templates`, { recursive: true });

console.log(`build: done in ${Math.round(performance.now() - started)} ms`);
