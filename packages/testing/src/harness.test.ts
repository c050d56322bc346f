// The harness against real plugins: the C template (built here from its sources, as an author's
// first `testPlugin("./")` does) and the activity-journal example (thread writes; built by
// `npm run build:examples`).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "@threadspace/cli";
import { quietIo } from "@threadspace/cli/build";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { testPlugin } from "./vitest.ts";

let root: string;
let dir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "threadspace-testing-"));
  dir = join(root, "notes");
  const io = quietIo(root);
  expect(await run(["init-plugin", "notes", "--template", "c"], io), io.err.join("")).toBe(0);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe("testPlugin", () => {
  test("builds a plugin whose wasm is missing, installs it and it runs", async () => {
    const t = await testPlugin(dir);
    expect(t).toBeRunning();
    expect(t.name).toBe("notes");
    expect(t.info.exports.map((entry) => entry.name)).toContain("recall");
  }, 120_000);

  test("seeded memories are what the plugin reads; its event, log line and fuel are visible", async () => {
    const t = await testPlugin(dir, { memories: [{ content: "seeded before start", tags: ["note"] }] });
    await t.memories.seed(["no tag", { content: "Buy milk", tags: ["note"] }]);
    const result = await t.call("recall", "note");
    expect(result.json()).toEqual({ tag: "note", count: 2 });
    expect(t).toHaveEmitted("notes.recalled", { tag: "note", count: 2 });
    expect(t).toHaveEmitted("notes.recalled", { tag: "note", count: expect.any(Number) });
    expect(t).not.toHaveEmitted("notes.recalled", { tag: "note", count: 3 });
    expect(t).toHaveLogged("info", "recalled 2 memories tagged note");
    expect(t).toHaveLogged("info", /recalled \d+ memories/);
    expect(t).not.toHaveLogged("error");
    expect(result).toUseFuelBelow(result.fuel! + 1);
    expect(result).not.toUseFuelBelow(result.fuel!);
  });

  test("failing matchers say what the plugin did instead", async () => {
    const t = await testPlugin(dir);
    await t.call("recall", "todo");
    expect(() => expect(t).toHaveEmitted("notes.other")).toThrow(/to have emitted notes\.other; it emitted:\n {2}notes\.recalled \{"tag":"todo","count":0\}/);
    expect(() => expect(t).toHaveLogged("warn")).toThrow(/its log:\n {2}info recalled 0 memories tagged todo/);
    expect(() => expect(t).toHaveWritten("memory")).toThrow(/no memory writes/);
    await expect(expect(t.call("recall", "x")).toFailWith("timeout")).rejects.toThrow(/to fail with timeout; it succeeded with "\{\\"tag\\":\\"x\\",\\"count\\":0\}"/);
  });

  test("toHaveWritten sees the memories the plugin wrote, not the seeded ones", async () => {
    const t = await testPlugin(dir, { memories: [{ content: "seeded", tags: ["note"] }] });
    expect(t).not.toHaveWritten("memory");
    const id = (await t.call("remember", "Water the plants")).text();
    expect(t).toHaveWritten("memory", { id, content: "Water the plants", tags: ["note"] });
    expect(t).not.toHaveWritten("memory", { content: "seeded" });
    expect(t).toHaveEmitted("memory.created", { id });
    expect(t.memories.get(id)?.content).toBe("Water the plants");
  });

  test("grant and revoke: a revoked permission fails the call with the plugin's error, and nothing is emitted", async () => {
    const t = await testPlugin(dir);
    await t.revoke("memory:read");
    expect(t.granted).not.toContain("memory:read");
    await expect(t.call("recall", "note")).toFailWith("plugin_error");
    await expect(() => t.call("recall", "note")).toFailWith("plugin_error");
    expect(t).not.toHaveEmitted("notes.recalled");
    await t.grant("memory:read");
    expect((await t.json("recall", "note")) as unknown).toEqual({ tag: "note", count: 0 });
    expect(t.calls.map((call) => [call.export, call.error === undefined])).toEqual([["recall", false], ["recall", false], ["recall", true]]);
  });

  test("grant: 'none' starts with nothing granted; a list grants only those", async () => {
    const none = await testPlugin(dir, { grant: "none" });
    expect(none.granted).toEqual([]);
    const some = await testPlugin(dir, { grant: ["kv", "log"] });
    expect([...some.granted].sort()).toEqual(["kv", "log"]);
  });

  test("kv and config: seeded state and config overrides are what the plugin reads", async () => {
    const t = await testPlugin(dir, { config: { greeting: "Hi" } });
    await t.kv.seed({ "visits:Ada": 41 });
    expect((await t.call("greet", "Ada")).text()).toBe("Hi, Ada! (visit #42)");
    expect(t.kv.entries()).toEqual({ "visits:Ada": 42 });
    await t.config.set({ greeting: "Hey" });
    expect(t.config.get()["greeting"]).toBe("Hey");
    expect((await t.call("greet", "Ada")).text()).toBe("Hey, Ada! (visit #43)");
    await t.config.reset();
    expect((await t.call("greet", "Bo")).text()).toBe("Hello, Bo! (visit #1)");
    expect(t).toHaveLogged("info", "greeted Bo");
  });

  test("a fuel budget per call: over it the call fails with fuel_exhausted", async () => {
    const t = await testPlugin(dir);
    await expect(t.call("greet", "Ada", { fuel: 100 })).toFailWith("fuel_exhausted");
  });

  test("clear() forgets captured events, logs and calls; close() is safe twice", async () => {
    const t = await testPlugin(dir);
    await t.call("recall", "note");
    t.clear();
    expect(t.emitted).toEqual([]);
    expect(t.logs).toEqual([]);
    expect(t.calls).toEqual([]);
    await t.close();
    await t.close();
    expect(t.closed).toBe(true);
  });

  test("a folder without plugin.json is refused with what to pass", async () => {
    await expect(testPlugin(root)).rejects.toMatchObject({ code: "source_invalid", message: expect.stringContaining("no plugin.json") });
  });

  test("thread writes: activity-journal appends a line for a memory the test writes", async () => {
    const journal = fileURLToPath(new URL("../../../examples/activity-journal", import.meta.url));
    const t = await testPlugin(journal, { build: false });
    await t.memories.seed(["Call Ada"]);
    await vi.waitFor(() => expect(t).toHaveWritten("thread", { threadId: "journal", content: expect.stringContaining("Call Ada") }), { timeout: 5_000, interval: 10 });
    expect(t.threads.entries("journal")).toHaveLength(1);
  });
});
