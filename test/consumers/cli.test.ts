/**
 * The plugin author's loop with the installed CLI (plain Node, no tsx in the project), for every
 * template, tested like a product: `threadspace init-plugin` → `build` → `test` (tests/cases.json
 * and the template's Vitest tests with @threadspace/testing) → `pack` → `keygen` + `sign` →
 * `verify` → installed by an app and called; then `pack --npm` → `npm pack` → `npm install` of
 * the tarball into an app that installs the plugin by its package name. Build durations are
 * printed (BENCHMARKS.md records them), never asserted.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, test } from "vitest";
import { appDir } from "./consumer-project.ts";
import { run } from "./run.ts";

/** An app that installs a plugin (a .tsp path or a package name) trusting `key`, calls greet and recall, and prints what it got. */
const APP = `import { createEngine } from "@threadspace/core";
const [source, key] = process.argv.slice(2);
const engine = await createEngine({ trustedKeys: key ? [key] : [], requireSignature: Boolean(key), logger: { trace() {}, debug() {}, info() {}, warn: console.error, error: console.error } });
const info = await engine.install(source, { grant: true });
engine.memories.put({ content: "from the app", tags: ["note"] });
const greeting = (await engine.call(info.name, "greet", "Ada")).text();
const recalled = (await engine.call(info.name, "recall", "note")).json();
console.log(JSON.stringify({ name: info.name, signature: info.signature?.state ?? null, greeting, recalled }));
await engine.close();
`;

describe.each(["assemblyscript", "c"])("the %s template from the installed CLI", (template) => {
  test("init-plugin → build → test (cases + Vitest) → pack → sign → verify → an app installs the .tsp and calls it", { timeout: 600_000 }, async () => {
    const project = inject("consumerProject");
    const dir = appDir(project, `cli-${template}`);
    expect(existsSync(join(project, "node_modules", "tsx")), "tsx must not come with @threadspace/cli").toBe(false);
    const name = `word_${template === "c" ? "c" : "as"}`;

    const init = await run(project, dir, "threadspace", ["init-plugin", name, "--template", template]);
    expect(init.code, init.stderr).toBe(0);
    const build = await run(project, dir, "threadspace", ["build", name]);
    expect(build.code, build.stderr).toBe(0);
    expect(build.stderr).not.toMatch(/warning/i);
    console.log(`consumer: threadspace build (${template} template) took ${Math.round(build.ms)} ms`);
    expect(existsSync(join(dir, name, "plugin.wasm"))).toBe(true);

    const tested = await run(project, dir, "threadspace", ["test", name]);
    expect(tested.code, tested.stdout + tested.stderr).toBe(0);
    expect(tested.stderr).not.toMatch(/warning/i);
    expect(tested.stdout).not.toMatch(/ExperimentalWarning/);
    expect(tested.stdout).toMatch(/Tests {2}6 passed \(6\)/);
    expect(tested.stdout).toMatch(/✓ Vitest: tests\/plugin.test.ts\nall 9 checks passed/);
    expect(existsSync(join(dir, name, "node_modules")), "Vitest's cache stays out of the plugin's folder").toBe(false);

    const packed = await run(project, dir, "threadspace", ["pack", name, "-o", `${name}.tsp`]);
    expect(packed.code, packed.stderr).toBe(0);
    const keygen = await run(project, dir, "threadspace", ["keygen", "-o", "release.key"]);
    expect(keygen.code, keygen.stderr).toBe(0);
    const publicKey = keygen.stdout.trim();
    const signed = await run(project, dir, "threadspace", ["sign", `${name}.tsp`, "--key", "release.key"]);
    expect(signed.code, signed.stderr).toBe(0);
    const verified = await run(project, dir, "threadspace", ["verify", `${name}.tsp`, "--key", publicKey]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    writeFileSync(join(dir, "app.mjs"), APP);
    const app = await run(project, dir, "node", ["app.mjs", `./${name}.tsp`, publicKey]);
    expect(app.stderr).toBe("");
    expect(JSON.parse(app.stdout)).toEqual({ name, signature: "trusted", greeting: "Hello, Ada! (visit #1)", recalled: { tag: "note", count: 1 } });
  });
});

test("pack --npm → npm pack → npm install of the tarball → engine.install by package name", { timeout: 600_000 }, async () => {
  const project = inject("consumerProject");
  const dir = appDir(project, "cli-npm");
  expect((await run(project, dir, "threadspace", ["init-plugin", "hello_npm", "--template", "c"])).code).toBe(0);
  writeFileSync(join(dir, "hello_npm", "LICENSE"), "MIT License\n");
  const build = await run(project, dir, "threadspace", ["build", "hello_npm"]);
  expect(build.code, build.stderr).toBe(0);
  expect((await run(project, dir, "threadspace", ["keygen", "-o", "release.key"])).code).toBe(0);
  const packed = await run(project, dir, "threadspace", ["pack", "hello_npm", "--npm", "--sign", "release.key", "--out-dir", "out"]);
  expect(packed.code, packed.stderr).toBe(0);
  const tarball = await run(project, join(dir, "out", "threadspace-plugin-hello_npm"), "npm", ["pack", "--pack-destination", dir, "--json"]);
  expect(tarball.code, tarball.stderr).toBe(0);
  const [{ filename, files }] = JSON.parse(tarball.stdout) as [{ filename: string; files: { path: string }[] }];
  expect(files.map((file) => file.path).sort()).toEqual(["LICENSE", "README.md", "package.json", "plugin.json", "plugin.tsp"]);

  // A separate app (its own package.json) installs the tarball next to the Threadspace packages.
  const app = join(dir, "app");
  const setUp = await run(project, dir, "node", ["-e", `require("fs").mkdirSync(${JSON.stringify(app)}); require("fs").writeFileSync(${JSON.stringify(join(app, "package.json"))}, '{"name":"app","private":true,"type":"module"}')`]);
  expect(setUp.code, setUp.stderr).toBe(0);
  const installed = await run(project, app, "npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", join(dir, filename)]);
  expect(installed.code, installed.stderr).toBe(0);
  writeFileSync(join(app, "app.mjs"), APP);
  const byName = await run(project, app, "node", ["app.mjs", "threadspace-plugin-hello_npm"]);
  expect(byName.stderr).toBe("");
  expect(JSON.parse(byName.stdout)).toEqual({ name: "hello_npm", signature: "untrusted", greeting: "Hello, Ada! (visit #1)", recalled: { tag: "note", count: 1 } });
  const bySpecifier = await run(project, app, "node", ["app.mjs", "npm:threadspace-plugin-hello_npm"]);
  expect(JSON.parse(bySpecifier.stdout).name).toBe("hello_npm");
});
