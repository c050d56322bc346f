#!/usr/bin/env node
// The `threadspace` command. An installed CLI runs its built JavaScript (dist/main.js) with plain
// Node: no TypeScript loader, so the AssemblyScript compiler loads in about 2 s.
//
// Inside the Threadspace repository the same file also serves `npx threadspace` before
// `npm run build`: with no dist/ (or with THREADSPACE_CLI_SOURCE=1, to try edited sources without
// a rebuild) it runs the TypeScript sources through tsx, a devDependency of the repository only,
// with the packages' `source` export condition.
import { existsSync } from "node:fs";

const built = new URL("../dist/main.js", import.meta.url);
const source = new URL("../src/main.ts", import.meta.url);
const inRepository = existsSync(new URL("../../../tsconfig.base.json", import.meta.url)) && existsSync(source);
const fromSource = inRepository && (process.env.THREADSPACE_CLI_SOURCE === "1" || !existsSync(built));

if (fromSource) {
  const { register } = await import("node:module");
  register(new URL("./source-condition.js", import.meta.url));
  const { register: registerTsx } = await import("tsx/esm/api");
  registerTsx();
  await import(source.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  process.stderr.write("threadspace: this @threadspace/cli has no dist/ (it was packed without `npm run build`). Reinstall it from the registry.\n");
  process.exitCode = 1;
}
