// `npm run build`: every published package's dist/ (JavaScript, .d.ts and declaration maps) with
// the TypeScript compiler in build mode (tsconfig.build.json references each package's
// tsconfig.build.json, in dependency order; incremental), then the files a package ships beside
// its code: the CLI's plugin templates.
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const started = performance.now();
const clean = process.argv.includes("--clean");

if (clean) {
  for (const name of ["errors", "manifest", "storage", "bundle", "host", "core", "worker", "cli"]) rmSync(`${root}packages/${name}/dist`, { recursive: true, force: true });
}
execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-b", `${root}tsconfig.build.json`], { stdio: "inherit" });

// `threadspace init-plugin` copies these; outside the repository they must be in the package.
rmSync(`${root}packages/cli/templates`, { recursive: true, force: true });
cpSync(`${root}plugin-templates`, `${root}packages/cli/templates`, { recursive: true });

console.log(`build: done in ${Math.round(performance.now() - started)} ms`);
