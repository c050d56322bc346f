import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../cli.ts";
import { captureIo } from "../test-support/capture-io.ts";
import { tempDir } from "../test-support/fixtures.ts";

// Uses the repository's host-data fixture (built by `npm run build:fixtures`): it forwards its
// input to ts_memory_get / ts_thread_read and outputs the host's reply.
const fixtures = fileURLToPath(new URL("../../../../test/fixtures/", import.meta.url));
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  await copyFile(join(fixtures, "wat/host-data.json"), join(dir, "plugin.json"));
  await copyFile(join(fixtures, "build/host-data.wasm"), join(dir, "plugin.wasm"));
  const seed = { memories: [{ id: "m1", content: "seeded by the CLI", tags: ["cli"] }], threads: [{ id: "t1", title: "log", entries: [{ content: "first" }, { content: "second", author: "ada" }] }] };
  await writeFile(join(dir, "seed.json"), JSON.stringify(seed));
  await writeFile(join(dir, "broken.json"), "{ not json");
});
afterAll(() => cleanup());

async function call(args: string[]) {
  const captured = captureIo({ cwd: dir });
  const code = await run(["call", ".", ...args], captured.io);
  return { code, out: captured.stdout(), err: captured.stderr() };
}

describe("threadspace call --grant --seed", () => {
  it("grants the listed permissions and reads what --seed put in", async () => {
    const memory = await call(["memory_get", '{"id":"m1"}', "--grant", "memory:read", "--seed", "seed.json"]);
    expect(memory.code).toBe(0);
    expect(JSON.parse(memory.out)).toMatchObject({ ok: { id: "m1", content: "seeded by the CLI", tags: ["cli"] } });
    const thread = await call(["thread_read", '{"threadId":"t1"}', "--grant", "all", "--seed", "seed.json"]);
    expect(JSON.parse(thread.out).ok.map((e: { content: string; author: string }) => `${e.author}:${e.content}`)).toEqual(["host:first", "ada:second"]);
  });

  it("grants nothing by default: the plugin gets permission_denied, and stderr says what to pass", async () => {
    const { code, out, err } = await call(["memory_get", '{"id":"m1"}', "--seed", "seed.json"]);
    expect(code).toBe(0);
    expect(JSON.parse(out).error.code).toBe("permission_denied");
    expect(err).toContain("--grant memory:read,memory:write");
  });

  it("refuses unknown permission names and warns about unrequested ones", async () => {
    const typo = await call(["memory_get", "{}", "--grant", "memory:reed"]);
    expect(typo.code).toBe(2);
    expect(typo.err).toContain("unknown permission memory:reed");
    const extra = await call(["memory_get", '{"id":"x"}', "--grant", "memory:read,kv"]);
    expect(extra.err).toMatch(/--grant kv: the plugin does not request this/);
  });

  it("a seed file that is not JSON is an error naming the file", async () => {
    const { code, err } = await call(["memory_get", "{}", "--seed", "broken.json"]);
    expect(code).toBe(1);
    expect(err).toMatch(/--seed .*broken\.json: it is not JSON/);
  });
});
