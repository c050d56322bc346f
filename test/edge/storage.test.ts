/**
 * `durableObjectStorage` in workerd, through Miniflare (test/edge/storage-worker.ts):
 *
 * - the storage driver contract (test/contract/storage-driver.contract.ts) and the persistence
 *   contract (test/contract/persistence.contract.ts, engines on the driver, plugins as modules) run
 *   inside a Durable Object, one object per case; each case here runs its namesake there and
 *   reports its outcome;
 * - an engine in a Durable Object keeps a plugin call's kv and memories across requests and
 *   across a restart of workerd on the same persisted state directory;
 * - examples/edge-durable-object (docs/edge.md, "Persistence at the edge") does the same.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare, type MiniflareOptions } from "miniflare";
import { afterAll, describe, expect, test } from "vitest";
import { buildStorageWorker, bundleWorker, runWranglerBuild, wat } from "./build-worker.ts";
import type { CaseOutcome } from "../support/vitest-shim.ts";
import type { EdgeRequest, EdgeResult } from "./edge-worker.ts";

const persist = await mkdtemp(join(tmpdir(), "threadspace-do-"));
await runWranglerBuild("examples/edge-durable-object");
const [modules, notebook] = await Promise.all([buildStorageWorker([wat("host-kv"), wat("host-data"), wat("ok"), wat("upgrade-migrates")]), bundleWorker({ file: "examples/edge-durable-object/src/worker.ts" })]);
const options: MiniflareOptions = {
  durableObjectsPersist: persist,
  workers: [
    { name: "storage", modules: modules as never, compatibilityDate: "2025-09-01", routes: ["contract.test/*", "engine.test/*"], durableObjects: { CONTRACT: "ContractObject", ENGINE: "EngineObject" } },
    { name: "notebook", modules: notebook as never, compatibilityDate: "2025-09-01", routes: ["notebook.test/*"], durableObjects: { NOTEBOOK: "Notebook" } },
  ],
};
let mf = new Miniflare(options);
const caseList = (await (await mf.dispatchFetch("http://contract.test/list")).json()) as string[];

afterAll(async () => {
  await mf.dispose();
  await rm(persist, { recursive: true, force: true });
});

describe("durableObjectStorage in workerd", () => {
  test("the contract suite has its cases", () => {
    expect(caseList.length).toBeGreaterThan(10);
  });

  for (const name of caseList) {
    test(name, async (context) => {
      const response = await mf.dispatchFetch(`http://contract.test/${encodeURIComponent(name)}/run`, { method: "POST", body: JSON.stringify({ name }) });
      const outcome = (await response.json()) as CaseOutcome;
      if (outcome.status === "skipped") context.skip();
      if (outcome.status === "failed") throw new Error(`in workerd: ${outcome.message}`);
    });
  }
});

/** Runs the steps on a fresh engine in Durable Object `object`; returns one result per step. */
async function engine(object: string, request: EdgeRequest): Promise<EdgeResult[]> {
  const response = await mf.dispatchFetch(`http://engine.test/${object}`, { method: "POST", body: JSON.stringify(request) });
  expect(response.status).toBe(200);
  return (await response.json()) as EdgeResult[];
}

const oks = (results: readonly EdgeResult[]): unknown[] =>
  results.map((result) => {
    if (!("ok" in result)) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
    return result.ok;
  });

describe("an engine in a Durable Object on durableObjectStorage", () => {
  const install = [
    { op: "install", plugin: "host-kv" },
    { op: "install", plugin: "host-data" },
  ] as const;
  const read = [
    ...install,
    { op: "kv", plugin: "host-kv", key: "a" },
    { op: "call", plugin: "host-kv", fn: "get", input: JSON.stringify({ key: "a" }) },
    { op: "call", plugin: "host-data", fn: "memory_query", input: JSON.stringify({ limit: 10 }) },
  ] as const;
  const contents = (reply: unknown): string[] => (JSON.parse(reply as string) as { ok: { content: string }[] }).ok.map((m) => m.content);

  test("keeps a plugin call's kv and memories across requests and a restart of workerd", async () => {
    const written = await engine("e1", {
      engine: { grant: true },
      steps: [
        ...install,
        { op: "call", plugin: "host-kv", fn: "set", input: JSON.stringify({ key: "a", value: { n: 1, s: "Wörld" } }) },
        { op: "call", plugin: "host-kv", fn: "set_then_trap", input: JSON.stringify({ key: "b", value: 2 }) },
        { op: "call", plugin: "host-data", fn: "memory_put", input: JSON.stringify({ content: "kept at the edge" }) },
        { op: "kv", plugin: "host-kv", key: "b" },
      ],
    });
    expect(oks(written.slice(0, 3))).toHaveLength(3);
    expect(written[3]).toMatchObject({ error: { code: "plugin_trap" } });
    expect(oks(written.slice(4))).toEqual([expect.any(String), null]);

    const again = oks(await engine("e1", { engine: { grant: true }, steps: read }));
    expect(again[2]).toEqual({ n: 1, s: "Wörld" });
    expect(JSON.parse(again[3] as string)).toEqual({ ok: { n: 1, s: "Wörld" } });
    expect(contents(again[4])).toEqual(["kept at the edge"]);

    await mf.dispose();
    mf = new Miniflare(options);
    const restarted = oks(await engine("e1", { engine: { grant: true }, steps: read }));
    expect(restarted.slice(2)).toEqual(again.slice(2));

    const other = oks(await engine("e2", { engine: { grant: true }, steps: read }));
    expect(other[2]).toBeNull(); // another object, another store
    expect(contents(other[4])).toEqual([]);
  });
});

describe("examples/edge-durable-object (the documented worker)", () => {
  test("keeps a notebook's memories across requests and a restart of workerd; the plugin reads them", async () => {
    const post = await mf.dispatchFetch("http://notebook.test/notes?notebook=work", { method: "POST", body: "Plugins run at the edge. Their memories stay." });
    expect(post.status).toBe(200);
    const { id } = (await post.json()) as { id: string };
    await mf.dispose();
    mf = new Miniflare(options);
    const list = (await (await mf.dispatchFetch("http://notebook.test/notes?notebook=work")).json()) as { id: string; content: string }[];
    expect(list.map((m) => [m.id, m.content])).toEqual([[id, "Plugins run at the edge. Their memories stay."]]);
    const analysis = await (await mf.dispatchFetch(`http://notebook.test/notes/${id}/analysis?notebook=work`)).json();
    expect(analysis).toMatchObject({ status: "success", analysis: { memoryId: id, wordCount: 8, sentenceCount: 2 } });
    expect(await (await mf.dispatchFetch("http://notebook.test/notes?notebook=home")).json()).toEqual([]);
  });
});
