/**
 * The engine in workerd (the Cloudflare Workers runtime), through Miniflare: one instance for the
 * file, running the bundled edge worker twice (plain, and with `nodejs_compat`) and
 * examples/edge-worker. Each request to the edge worker runs steps on a fresh engine inside
 * workerd; the assertions here read the replies.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { capGuestMemory } from "@threadspace/core/tools";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildEdgeWorker, bundleWorker, example as examplePlugin, runWranglerBuild, wat, type EdgePluginSource } from "./build-worker.ts";
import type { EdgeRequest, EdgeResult } from "./edge-worker.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
let mf: Miniflare;
let temp: string;

/** memory-bomb with its memory capped at 20 pages at build time, as `threadspace cap` writes it. */
async function cappedMemoryBomb(): Promise<EdgePluginSource> {
  temp = await mkdtemp(join(tmpdir(), "threadspace-edge-"));
  const capped = capGuestMemory(new Uint8Array(await readFile(`${root}test/fixtures/build/memory-bomb.wasm`)), 20);
  await writeFile(join(temp, "memory-bomb.wasm"), capped.bytes);
  return { ...wat("memory-bomb"), wasm: join(temp, "memory-bomb.wasm") };
}

beforeAll(async () => {
  await runWranglerBuild("examples/edge-worker");
  const [modules, example] = await Promise.all([
    buildEdgeWorker([
      examplePlugin("hello"), examplePlugin("count-vowels"), examplePlugin("memory-analyzer"),
      wat("ok"), wat("trap"), wat("host-kv"), wat("host-call"), await cappedMemoryBomb(),
    ]),
    bundleWorker({ file: "examples/edge-worker/src/worker.ts" }),
  ]);
  const worker = { modules: modules as never, compatibilityDate: "2025-09-01" };
  mf = new Miniflare({
    workers: [
      { ...worker, name: "edge", routes: ["edge.test/*"] },
      { ...worker, name: "edge-node", routes: ["edge-node.test/*"], compatibilityFlags: ["nodejs_compat"] },
      { modules: example as never, compatibilityDate: "2025-09-01", name: "example", routes: ["example.test/*"] },
    ],
  });
  await mf.ready;
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
  if (temp !== undefined) await rm(temp, { recursive: true, force: true });
});

/** Runs the steps in workerd; returns one result per step. */
async function edge(request: EdgeRequest, worker = "edge"): Promise<EdgeResult[]> {
  const response = await mf.dispatchFetch(`http://${worker}.test/`, { method: "POST", body: JSON.stringify(request) });
  expect(response.status).toBe(200);
  return (await response.json()) as EdgeResult[];
}

/** The value of an ok result; fails the test with the error otherwise. */
function ok(result: EdgeResult | undefined): unknown {
  expect(result).toBeDefined();
  if (result === undefined || !("ok" in result)) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.ok;
}

/** The error of a failed result; fails the test if the step succeeded. */
function failure(result: EdgeResult | undefined): { code: string; plugin?: string; message: string } {
  if (result === undefined || !("error" in result)) throw new Error(`expected an error, got ${JSON.stringify(result)}`);
  return result.error;
}

describe("workerd: install and call from precompiled modules", () => {
  test("runs on workerd, with JSPI, with and without nodejs_compat", async () => {
    const [plain] = await edge({ steps: [{ op: "runtime" }] });
    expect(ok(plain)).toEqual({ canSuspend: true, userAgent: "Cloudflare-Workers", process: "undefined" });
    const [node] = await edge({ steps: [{ op: "runtime" }] }, "edge-node");
    expect(ok(node)).toEqual({ canSuspend: true, userAgent: "Cloudflare-Workers", process: "object" });
  });

  test("installs the examples and calls them", async () => {
    const results = await edge({
      steps: [
        { op: "install", plugin: "hello" },
        { op: "call", plugin: "hello", fn: "greet", input: "World" },
        { op: "install", plugin: "count-vowels" },
        { op: "call", plugin: "count-vowels", fn: "count_vowels", input: "Hello, World!" },
        { op: "call", plugin: "count-vowels", fn: "count_vowels", input: "aeiou" },
      ],
    });
    expect(ok(results[0])).toMatchObject({ name: "hello", state: "ready" });
    expect(ok(results[1])).toBe("Hello, World!");
    expect(ok(results[2])).toMatchObject({ name: "count-vowels", state: "ready" });
    expect(JSON.parse(ok(results[3]) as string)).toEqual({ count: 3, total: 3, vowels: "aeiouAEIOU" });
    expect(JSON.parse(ok(results[4]) as string)).toEqual({ count: 5, total: 8, vowels: "aeiouAEIOU" });
  });

  test("calls fail with typed errors, and the plugin keeps serving", async () => {
    const results = await edge({
      steps: [
        { op: "install", plugin: "trap" },
        { op: "call", plugin: "trap", fn: "boom" },
        { op: "call", plugin: "trap", fn: "echo", input: "still here" },
        { op: "install", plugin: "hello" },
        { op: "call", plugin: "hello", fn: "nope" },
        { op: "install", plugin: "ok", manifest: { name: "Not A Name" } },
      ],
    });
    expect(failure(results[1])).toMatchObject({ code: "plugin_trap", plugin: "trap" });
    expect(ok(results[2])).toBe("still here");
    expect(failure(results[4])).toMatchObject({ code: "export_missing", plugin: "hello" });
    expect(failure(results[4]).message).toMatch(/nope/);
    const invalid = failure(results[5]);
    expect(invalid.code).toBe("manifest_invalid");
    expect(invalid.message).toMatch(/\$\.name/);
  });

  test("installing bytes fails with source_invalid saying to pass a precompiled WebAssembly.Module", async () => {
    const bytes = [...(await readFile(new URL("../../examples/hello/plugin.wasm", import.meta.url)))];
    const [install, call] = await edge({ steps: [{ op: "install", plugin: "hello", bytes }, { op: "call", plugin: "hello", fn: "greet", input: "x" }] });
    const error = failure(install);
    expect(error).toMatchObject({ code: "source_invalid", plugin: "hello" });
    expect(error.message).toMatch(/does not compile WebAssembly at run time/);
    expect(error.message).toMatch(/install\(\{ manifest, wasm: module \}\)/);
    expect(failure(call).code).toBe("plugin_not_found");
  });

  test("a precompiled module says that its memory cap and hash are not enforced", async () => {
    const hash = `sha256:${"0".repeat(64)}`;
    const [install] = await edge({ steps: [{ op: "install", plugin: "ok", manifest: { hash, limits: { memoryPages: 4 } } }] });
    const notes = (ok(install) as { limitNotes: string[] }).limitNotes;
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(/^memoryPages: 4 pages .* not enforced.*precompiled WebAssembly\.Module/);
    expect(notes[1]).toMatch(new RegExp(`^hash: ${hash} was not checked`));
  });

  test("a memory cap written at build time (threadspace cap) holds in workerd, and reads as memory_limit", async () => {
    const results = await edge({
      steps: [
        // The same limit as the one written into the module: the engine then names the trap memory_limit.
        { op: "install", plugin: "memory-bomb", manifest: { limits: { memoryPages: 20 } } },
        { op: "call", plugin: "memory-bomb", fn: "grow" },
        { op: "call", plugin: "memory-bomb", fn: "pages" },
      ],
    });
    expect(ok(results[0])).toMatchObject({ state: "ready" });
    expect(failure(results[1])).toMatchObject({ plugin: "memory-bomb", code: "memory_limit" });
    expect(ok(results[2])).toBe("20");
  });
});

describe("workerd: host functions and permissions", () => {
  const kvSteps = [
    { op: "install", plugin: "host-kv" },
    { op: "call", plugin: "host-kv", fn: "set", input: JSON.stringify({ key: "a", value: { n: 1, s: "Wörld" } }) },
    { op: "call", plugin: "host-kv", fn: "get", input: JSON.stringify({ key: "a" }) },
    { op: "kv", plugin: "host-kv", key: "a" },
  ] as const;

  test("kv round-trips with the grant, and the embedder sees the plugin's writes", async () => {
    const results = await edge({ engine: { grant: true }, steps: kvSteps });
    expect(ok(results[0])).toMatchObject({ granted: ["kv"] });
    expect(JSON.parse(ok(results[1]) as string)).toEqual({ ok: true });
    expect(JSON.parse(ok(results[2]) as string)).toEqual({ ok: { n: 1, s: "Wörld" } });
    expect(ok(results[3])).toEqual({ n: 1, s: "Wörld" });
  });

  test("without the grant kv replies permission_denied and stores nothing", async () => {
    const results = await edge({ steps: kvSteps });
    expect(ok(results[0])).toMatchObject({ granted: [] });
    expect(JSON.parse(ok(results[1]) as string).error.code).toBe("permission_denied");
    expect(JSON.parse(ok(results[2]) as string).error.code).toBe("permission_denied");
    expect(ok(results[3])).toBeNull();
  });

  test("memory-analyzer reads a memory with memory:read, and is refused without it", async () => {
    const steps = [
      { op: "memory", id: "m1", content: "Plugins run at the edge. Plugins are sandboxed.", tags: ["edge"] },
      { op: "call", plugin: "memory-analyzer", fn: "analyze_memory", input: "m1" },
    ] as const;
    const granted = await edge({ steps: [{ op: "install", plugin: "memory-analyzer", grant: true }, ...steps] });
    const analysis = JSON.parse(ok(granted[2]) as string);
    expect(analysis).toMatchObject({ status: "success", analysis: { memoryId: "m1", tags: ["edge"], wordCount: 8, sentenceCount: 2 } });
    expect(analysis.analysis.topTerms[0]).toEqual({ term: "plugins", count: 2 });
    const refused = await edge({ steps: [{ op: "install", plugin: "memory-analyzer", grant: ["log"] }, ...steps] });
    expect(ok(refused[0])).toMatchObject({ granted: ["log"] });
    expect(JSON.parse(ok(refused[2]) as string)).toMatchObject({ status: "error", code: "permission_denied" });
    expect(ok(refused[2])).not.toMatch(/sandboxed/);
  });

  test("ts_plugin_call runs inline through JSPI", async () => {
    const call = (request: object) => ({ op: "call", plugin: "host-call", fn: "call", input: JSON.stringify(request) }) as const;
    const results = await edge({
      engine: { grant: true },
      steps: [
        { op: "install", plugin: "ok" },
        { op: "install", plugin: "host-call" },
        call({ plugin: "ok", export: "echo", input: "Wörld 🌍" }),
        call({ plugin: "ok", export: "counter" }),
        call({ plugin: "ok", export: "missing" }),
        { op: "call", plugin: "ok", fn: "counter" },
      ],
    });
    expect(JSON.parse(ok(results[2]) as string)).toEqual({ ok: "Wörld 🌍" });
    expect(JSON.parse(ok(results[3]) as string)).toEqual({ ok: "1" });
    expect(JSON.parse(ok(results[4]) as string).error.code).toBe("not_found");
    expect(ok(results[5])).toBe("2");
  });
});

describe.each(["edge", "edge-node"])("workerd (%s): no workers for isolation", (worker) => {
  test('limits.isolation "worker" fails with init_failed, saying why and what to do', async () => {
    const [install] = await edge({ engine: { limits: { isolation: "worker" } }, steps: [{ op: "install", plugin: "hello" }] }, worker);
    const error = failure(install);
    expect(error).toMatchObject({ code: "init_failed", plugin: "hello" });
    expect(error.message).toMatch(/no Web Workers/);
    expect(error.message).toMatch(/whenWorkerUnavailable: "inline"/);
  });

  test('whenWorkerUnavailable "inline" runs it inline, with a note and a warning', async () => {
    const results = await edge(
      {
        engine: { limits: { isolation: "worker" }, isolation: { whenWorkerUnavailable: "inline" } },
        steps: [{ op: "install", plugin: "hello" }, { op: "call", plugin: "hello", fn: "greet", input: "Edge" }, { op: "warnings" }],
      },
      worker,
    );
    const notes = (ok(results[0]) as { limitNotes: string[] }).limitNotes;
    expect(notes.some((note) => /running "inline" because this runtime has no Web Workers/.test(note))).toBe(true);
    expect(ok(results[1])).toBe("Hello, Edge!");
    expect((ok(results[2]) as string[]).some((line) => /running "inline"/.test(line))).toBe(true);
  });
});

describe("examples/edge-worker (the documented worker)", () => {
  test("greets through the hello plugin, one engine across requests", async () => {
    const first = await mf.dispatchFetch("http://example.test/?name=Edge");
    expect(first.status).toBe(200);
    expect(await first.text()).toBe("Hello, Edge!");
    const second = await mf.dispatchFetch("http://example.test/");
    expect(await second.text()).toBe("Hello, World!");
  });
});
