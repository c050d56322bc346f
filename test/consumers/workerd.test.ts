/**
 * A Worker using the installed packages, bundled as wrangler bundles it (esbuild, the `workerd`,
 * `worker` and `browser` conditions, `.wasm` imports left to the runtime as compiled modules) and
 * run in workerd through Miniflare: a Durable Object runs the engine on its own storage with the
 * hello plugin as a module; its stored memories survive a restart of workerd.
 */
import { copyFileSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { expect, inject, test } from "vitest";
import { appDir } from "./consumer-project.ts";

const examples = fileURLToPath(new URL("../../examples/", import.meta.url));

const WORKER = `import { createEngine } from "@threadspace/core";
import { durableObjectStorage } from "@threadspace/storage/durable-object";
import manifest from "./plugin.json";
import hello from "./hello.wasm";

export class Greeter {
  constructor(ctx) {
    this.storage = ctx.storage;
  }
  async fetch(request) {
    this.engine ??= (async () => {
      const engine = await createEngine({ storage: durableObjectStorage(this.storage) });
      await engine.install({ manifest, wasm: hello });
      return engine;
    })();
    const engine = await this.engine;
    const name = new URL(request.url).searchParams.get("name") ?? "World";
    await engine.memories.put({ content: name, tags: ["visitor"] }, { durable: true });
    const greeting = (await engine.call("hello", "greet", name)).text();
    return Response.json({ greeting, visitors: engine.memories.query({ tag: "visitor" }).length });
  }
}

export default {
  fetch(request, env) {
    return env.GREETER.get(env.GREETER.idFromName("one")).fetch(request);
  },
};
`;

test("esbuild bundle in workerd (Miniflare): a plugin module in a Durable Object, its storage kept across a restart", async () => {
  const project = inject("consumerProject");
  const dir = appDir(project, "workerd");
  copyFileSync(join(examples, "hello", "plugin.json"), join(dir, "plugin.json"));
  copyFileSync(join(examples, "hello", "plugin.wasm"), join(dir, "hello.wasm"));
  writeFileSync(join(dir, "worker.js"), WORKER);

  const bundle = await build({
    entryPoints: [join(dir, "worker.js")],
    absWorkingDir: dir,
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    external: ["*.wasm"],
    logLevel: "silent",
  });
  const code = bundle.outputFiles[0]?.text;
  if (code === undefined) throw new Error("esbuild produced no output");
  const options = {
    modules: [
      { type: "ESModule" as const, path: "worker.js", contents: code },
      { type: "CompiledWasm" as const, path: "hello.wasm", contents: new Uint8Array(await readFile(join(dir, "hello.wasm"))) },
    ],
    compatibilityDate: "2025-09-01",
    durableObjects: { GREETER: { className: "Greeter", useSQLite: true } },
    durableObjectsPersist: join(dir, "state"),
  };

  let mf = new Miniflare(options);
  try {
    expect(await (await mf.dispatchFetch("http://consumer.test/?name=Edge")).json()).toEqual({ greeting: "Hello, Edge!", visitors: 1 });
    expect(await (await mf.dispatchFetch("http://consumer.test/?name=Again")).json()).toEqual({ greeting: "Hello, Again!", visitors: 2 });
  } finally {
    await mf.dispose();
  }
  mf = new Miniflare(options);
  try {
    expect(await (await mf.dispatchFetch("http://consumer.test/?name=Restart")).json()).toEqual({ greeting: "Hello, Restart!", visitors: 3 });
  } finally {
    await mf.dispose();
  }
});
