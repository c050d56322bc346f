/**
 * Deno and Bun (the npm packages `deno` and `bun`, devDependencies of the repository) run the same
 * embedding app as Node from the installed tarballs: a .tsp on fileStorage, a worker-isolated
 * plugin, both restored by a second process, nothing on stderr; a looping plugin times out inline
 * and in a worker. Node runs the same cases, as the reference. Then both run the engine contract
 * suite (test/runtimes/contract-entry.ts, bundled once): one vitest test per case, run in one
 * process of the runtime. `npm run test:runtimes`. What differs per runtime is in docs/runtimes.md.
 */
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, inject, test } from "vitest";
import { buildContractBundle } from "../runtimes/build-contract.ts";
import { listCases, startContractRun, type ContractRun, type ServerRuntime } from "../runtimes/run-contract.ts";
import { appDir } from "./consumer-project.ts";
import { FIRST_RUN, SECOND_RUN, prepareEmbedApp } from "./embed-app.ts";
import { run } from "./run.ts";

const bin = (name: string): string => fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url));

const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));

/** A plugin that spins forever, under timeoutMs 300, inline (stopped by fuel metering) and in a worker (terminated). */
const TIMEOUT_PROBE = `import { createEngine } from "@threadspace/core";
import { readFileSync } from "node:fs";
const manifest = JSON.parse(readFileSync("loop.json", "utf8"));
const wasm = new Uint8Array(readFileSync("loop.wasm"));
const out = {};
for (const isolation of ["inline", "worker"]) {
  const engine = await createEngine();
  await engine.install({ manifest: { ...manifest, limits: { isolation, timeoutMs: 300 } }, wasm });
  out[isolation] = await engine.call("loop", "spin").then(() => "returned", (e) => e.code);
  out[isolation + " then"] = (await engine.call("loop", "echo", "ok")).text();
  await engine.close();
}
console.log(JSON.stringify(out));
`;

/** How each runtime starts a script (Deno with the permissions the engine needs: files, env, os). */
const DENO: ServerRuntime = { name: "deno", command: bin("deno"), args: ["run", "--allow-read", "--allow-write", "--allow-env", "--allow-sys"] };
const BUN: ServerRuntime = { name: "bun", command: bin("bun"), args: [] };
const NODE: ServerRuntime = { name: "node", command: process.execPath, args: [] };

const RUNTIMES = [NODE, DENO, BUN].map((runtime) => ({ ...runtime, args: [...runtime.args, "app.mjs"] }));

describe.each(RUNTIMES)("$name", ({ name, command, args }) => {
  test(`${name} app.mjs: install a .tsp on fileStorage, a worker-isolated plugin, restore both in a second process`, async () => {
    const project = inject("consumerProject");
    const dir = await prepareEmbedApp(project, name);
    const first = await run(project, dir, command, [...args, "hello.tsp", "store"]);
    expect(first.stderr).toBe("");
    expect(JSON.parse(first.stdout)).toEqual(FIRST_RUN);
    const second = await run(project, dir, command, [...args, "hello.tsp", "store"]);
    expect(second.stderr).toBe("");
    expect(JSON.parse(second.stdout)).toEqual(SECOND_RUN);
  });

  test(`${name}: a plugin that loops forever times out inline and in a worker, then serves the next call`, async () => {
    const project = inject("consumerProject");
    const dir = appDir(project, `${name}-timeouts`);
    copyFileSync(join(fixtures, "wat", "loop.json"), join(dir, "loop.json"));
    copyFileSync(join(fixtures, "build", "loop.wasm"), join(dir, "loop.wasm"));
    writeFileSync(join(dir, "app.mjs"), TIMEOUT_PROBE);
    const probe = await run(project, dir, command, args);
    expect(probe.stderr).toBe("");
    expect(JSON.parse(probe.stdout)).toEqual({ inline: "timeout", "inline then": "ok", worker: "timeout", "worker then": "ok" });
  });
});

const contractBundle = await buildContractBundle();

describe.each([DENO, BUN])("the engine contract in $name", (runtime) => {
  const names = listCases(runtime, contractBundle);
  let run: ContractRun | undefined;
  afterAll(() => run?.stop());

  test("the contract suite has its cases", () => {
    expect(names.length).toBeGreaterThan(200);
  });

  for (const name of names) {
    test(name, async (context) => {
      run ??= startContractRun(runtime, contractBundle);
      const { outcome } = await run.result(name);
      if (outcome.status === "skipped") context.skip();
      if (outcome.status === "failed") throw new Error(`in ${runtime.name}: ${outcome.message}`);
    });
  }
});
