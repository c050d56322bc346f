// `threadspace pack --npm` → an installed package → `engine.install("threadspace-plugin-hello")`
// and `npm:` specifiers (Node resolution: node_modules from the working directory upwards).
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { run } from "@threadspace/cli";
import { quietIo } from "@threadspace/cli/build";
import { createEngine, type Engine } from "@threadspace/core";
import { resolvePluginPackage } from "../../packages/core/src/platform/npm-package.ts";
import { platform as webPlatform } from "../../packages/core/src/platform/web.ts";

const hello = fileURLToPath(new URL("../../examples/hello", import.meta.url));
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
let root: string;
let project: string;
let pkgDir: string;

async function cli(...args: string[]) {
  const io = quietIo(root);
  const code = await run(args, io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

/** Runs `body` with the working directory at `dir` (engine.install resolves packages from it). */
async function inDir<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return await body();
  } finally {
    process.chdir(before);
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "threadspace-npm-"));
  await cp(hello, join(root, "hello"), { recursive: true, filter: (path) => !path.includes("/tests") });
  await writeFile(join(root, "hello", "LICENSE"), "MIT License\n");
  expect((await cli("hash", "hello/plugin.wasm", "--write", "hello")).code).toBe(0);
  expect((await cli("keygen", "-o", "release.key")).code).toBe(0);
  const packed = await cli("pack", "hello", "--npm", "--sign", "release.key", "--out-dir", "out");
  expect(packed.code, packed.err).toBe(0);
  pkgDir = join(root, "out", "threadspace-plugin-hello");
  expect(packed.out.trim()).toBe("out/threadspace-plugin-hello");
  // An app that "installed" it: node_modules/threadspace-plugin-hello, as npm lays it out.
  project = join(root, "app");
  await mkdir(join(project, "node_modules"), { recursive: true });
  await symlink(pkgDir, join(project, "node_modules", "threadspace-plugin-hello"));
  await mkdir(join(project, "src", "deep"), { recursive: true });
}, 60_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe("threadspace pack --npm", () => {
  test("writes a publishable package: package.json with a threadspace field, plugin.tsp, plugin.json, README, LICENSE", async () => {
    const pkg = JSON.parse(await readFile(join(pkgDir, "package.json"), "utf8"));
    const manifest = JSON.parse(await readFile(join(root, "hello", "plugin.json"), "utf8"));
    expect(pkg).toMatchObject({
      name: "threadspace-plugin-hello",
      version: manifest.version,
      description: manifest.description,
      license: "SEE LICENSE IN LICENSE",
      files: ["plugin.tsp", "plugin.json", "README.md", "LICENSE"],
      threadspace: { bundle: "plugin.tsp", name: "hello", version: manifest.version, hash: manifest.hash, signedBy: expect.stringMatching(/^ed25519:[0-9a-f]{16}$/) },
    });
    expect(await readFile(join(pkgDir, "plugin.json"), "utf8")).toBe(await readFile(join(root, "hello", "plugin.json"), "utf8"));
    expect(await readFile(join(pkgDir, "LICENSE"), "utf8")).toBe("MIT License\n");
    expect((await cli("verify", "out/threadspace-plugin-hello/plugin.tsp")).code).toBe(0);
  });

  test("refuses -o with --npm, --out-dir without it, and a target folder holding other files", async () => {
    expect((await cli("pack", "hello", "--npm", "-o", "x.tsp")).err).toMatch(/--npm writes a package folder/);
    expect((await cli("pack", "hello", "--out-dir", "x")).err).toMatch(/--out-dir <dir> goes with --npm/);
    await mkdir(join(root, "busy", "threadspace-plugin-hello"), { recursive: true });
    await writeFile(join(root, "busy", "threadspace-plugin-hello", "mine.txt"), "keep");
    const busy = await cli("pack", "hello", "--npm", "--out-dir", "busy");
    expect(busy.code).toBe(1);
    expect(busy.err).toMatch(/holds files pack --npm did not write \(mine.txt\)/);
    expect(await readFile(join(root, "busy", "threadspace-plugin-hello", "mine.txt"), "utf8")).toBe("keep");
  });
});

describe("engine.install of an installed plugin package (Node)", () => {
  let engine: Engine | undefined;
  afterAll(() => engine?.close());

  test("by name and by npm: specifier, from a folder below the one holding node_modules; the signature is checked", async () => {
    const pkg = JSON.parse(await readFile(join(pkgDir, "package.json"), "utf8"));
    const publicKey = (await readFile(join(root, "release.key.pub"), "utf8")).trim();
    engine = await createEngine({ logger: quiet, trustedKeys: [publicKey], requireSignature: true });
    const info = await inDir(join(project, "src", "deep"), () => engine!.install("threadspace-plugin-hello"));
    expect(info).toMatchObject({ name: "hello", signature: { state: "trusted", keyId: pkg.threadspace.signedBy } });
    expect(info.origin).toMatch(/threadspace-plugin-hello\/plugin\.tsp$/);
    expect((await engine.call("hello", "greet", "npm")).text()).toContain("npm");
    await engine.uninstall("hello");
    const again = await inDir(project, () => engine!.install("npm:threadspace-plugin-hello"));
    expect(again.name).toBe("hello");
  });

  test("a missing package, a package that is not a plugin, and a bundle path leading outside are refused clearly", async () => {
    engine ??= await createEngine({ logger: quiet });
    await expect(inDir(project, () => engine!.install("npm:threadspace-plugin-nope"))).rejects.toMatchObject({
      code: "source_invalid",
      message: expect.stringContaining('no installed npm package "threadspace-plugin-nope" (looked for node_modules/threadspace-plugin-nope/package.json'),
    });
    await expect(inDir(project, () => engine!.install("threadspace-plugin-nope"))).rejects.toThrow(/no such file or directory: .*threadspace-plugin-nope, and no installed npm package/);
    await mkdir(join(project, "node_modules", "left-pad"), { recursive: true });
    await writeFile(join(project, "node_modules", "left-pad", "package.json"), '{"name":"left-pad","version":"1.0.0"}');
    await expect(inDir(project, () => engine!.install("npm:left-pad"))).rejects.toThrow(/left-pad .* is not a Threadspace plugin package: its package.json has no "threadspace": \{ "bundle"/);
    await mkdir(join(project, "node_modules", "escape"), { recursive: true });
    await writeFile(join(project, "node_modules", "escape", "package.json"), JSON.stringify({ name: "escape", threadspace: { bundle: "../threadspace-plugin-hello/plugin.tsp" } }));
    await expect(resolvePluginPackage("escape", project)).rejects.toThrow(/leads outside the package; refused/);
    await expect(resolvePluginPackage("npm:Not A Name", project)).rejects.toThrow(/is not an npm package name/);
  });

  test("outside Node, an npm: specifier is refused with what to do instead", async () => {
    await expect(webPlatform.locateManifest("npm:threadspace-plugin-hello")).rejects.toThrow(/npm: specifiers resolve installed packages in Node only.*install the package's .tsp by URL/);
  });
});
