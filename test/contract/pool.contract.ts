import { createEngine, type BundleParts, type Engine, type EngineOptions } from "@threadspace/core";
import { canSuspend } from "@threadspace/host";
import { afterEach, describe, expect, test } from "vitest";
import { expectCode } from "./expect-error.ts";
import { fixture, moduleOf } from "./fixture-source.ts";
import type { TestEnv } from "./test-env.ts";

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
type Reply = { ok?: string; error?: { code: string; message: string } };

/**
 * Worker pools (`limits.isolation: "pool"`) as an outsider attacks them: wait chains back into
 * the caller's own pool worker, the pool options, where a plugin runs, and hostile plugins next
 * to neighbours that share their worker. Every case ends: nothing waits for a deadline it set
 * far away (the plugins' timeouts here are longer than the test's), the host never crashes.
 */
export function poolContract(env: TestEnv): void {
  describe.skipIf(env.runtime === "workerd")("worker pools: chains, options, placement and hostile neighbours", () => {
    let engine: Engine | undefined;
    afterEach(async () => {
      await engine?.close();
      engine = undefined;
    });
    const start = async (options: EngineOptions): Promise<Engine> => (engine = await createEngine({ logger: quiet, grant: true, ...options }));
    /** A fixture under another name (a plain Extism plugin then: its get_metadata names the fixture). */
    const renamed = async (name: string, as: string, fields: Record<string, unknown> = {}): Promise<BundleParts> => {
      const parts = await fixture(env, name);
      return { ...parts, manifest: { ...(parts.manifest as Record<string, unknown>), name: as, interface: "extism", ...fields } };
    };
    /** `a` (pooled) calls `b` (in `bMode`), which calls `c` (pooled): `a`'s reply, and `b`'s inside it. */
    const chain = async (bMode: "inline" | "worker"): Promise<Reply> => {
      const e = engine as Engine;
      await e.install(await renamed("ok", "c", { limits: { isolation: "pool" } }));
      await e.install(await renamed("host-call", "b", { dependencies: ["c"], limits: { isolation: bMode, timeoutMs: 60_000 } }));
      await e.install(await renamed("host-call", "a", { dependencies: ["b"], limits: { isolation: "pool", timeoutMs: 60_000 } }));
      const outer = (await e.call("a", "call", { plugin: "b", export: "call", input: JSON.stringify({ plugin: "c", export: "echo", input: "deep" }) })).json<Reply>();
      expect(outer.error).toBeUndefined();
      return JSON.parse(outer.ok as string) as Reply;
    };
    // An inline plugin makes a ts_plugin_call only where the engine's thread can suspend (JSPI).
    const middles = canSuspend ? (["inline", "worker"] as const) : (["worker"] as const);

    for (const middle of middles) {
      test(`a chain back into the caller's own pool worker through a${middle === "inline" ? "n inline" : " worker"} plugin is refused at once with busy, naming the chain`, async () => {
        await start({ isolation: { poolSize: 1 } });
        const reply = await chain(middle);
        expect(reply.error?.code).toBe("call_failed");
        expect(reply.error?.message).toMatch(/^\[busy\] .*c lives in pool default #1, which runs a's call, and that call waits for c \(a → b → c\).*different pools.*limits\.isolation "worker"/);
        // Nothing is left waiting: each plugin answers at once afterwards.
        expect((await (engine as Engine).call("c", "echo", "after")).text()).toBe("after");
        expect((await (engine as Engine).call("a", "call", { plugin: "b", export: "call", input: JSON.stringify({ plugin: "c", export: "missing" }) })).json<Reply>().ok).toMatch(/not_found/);
      });

      test(`the same chain (pooled → ${middle} → pooled) answers when the last plugin is in another pool worker or another pool`, async () => {
        await start({ isolation: { poolSize: 2 } });
        expect(await chain(middle)).toEqual({ ok: "deep" });
        const e = engine as Engine;
        expect(e.get("a")?.isolation).toEqual({ mode: "pool", pool: "default", worker: 2 });
        expect(e.get("c")?.isolation).toEqual({ mode: "pool", pool: "default", worker: 1 });
        await e.close();
        await start({ isolation: { poolSize: 1, pools: { other: { size: 1 } }, poolFor: (plugin) => (plugin.name === "c" ? "other" : "default") } });
        expect(await chain(middle)).toEqual({ ok: "deep" });
        expect((engine as Engine).get("c")?.isolation).toEqual({ mode: "pool", pool: "other", worker: 1 });
      });
    }

    test("engine.get and engine.debugInfo say where a plugin runs: its pool and pool worker, or worker / inline / none", async () => {
      const e = await start({ isolation: { poolSize: 1, pools: { trusted: { size: 2 } }, poolFor: (plugin) => (plugin.name.startsWith("t-") ? "trusted" : "default") } });
      await e.install(await renamed("ok", "p"));
      await e.install(await renamed("ok", "t-one", { limits: { isolation: "pool" } }));
      await e.install(await renamed("ok", "t-two", { limits: { isolation: "pool" } }));
      await e.install(await renamed("ok", "w", { limits: { isolation: "worker" } }));
      await e.install(await renamed("ok", "i", { limits: { isolation: "inline" } }));
      const p = e.get("p")?.isolation;
      // The env may run every fixture pooled; else "p" asked for nothing and runs inline.
      if (env.isolation === "pool") expect(p).toEqual({ mode: "pool", pool: "default", worker: 1 });
      expect(e.get("t-one")?.isolation).toEqual({ mode: "pool", pool: "trusted", worker: 1 });
      expect(e.get("t-two")?.isolation).toEqual({ mode: "pool", pool: "trusted", worker: 2 });
      expect(e.get("w")?.isolation).toEqual({ mode: "worker" });
      expect(e.get("i")?.isolation).toEqual({ mode: "inline" });
      expect((await e.debugInfo("t-two")).isolation).toMatchObject({ mode: "pool", pool: "trusted", worker: 2, notes: [] });
      await e.unload("t-two");
      expect(e.get("t-two")?.isolation).toEqual({ mode: "none" });
      expect((await e.debugInfo("t-two")).isolation).toMatchObject({ mode: "none" });
    });

    test("pool workers count against isolation.maxWorkers: a pool grows only while a slot is free, else its plugins share", async () => {
      const e = await start({ isolation: { maxWorkers: 2, poolSize: 4 } });
      await e.install(await renamed("ok", "w", { limits: { isolation: "worker" } }));
      for (const name of ["p1", "p2", "p3"]) await e.install(await renamed("ok", name, { limits: { isolation: "pool" } }));
      // One slot for the worker plugin, one for the pool: its three plugins share one worker.
      expect(new Set(["p1", "p2", "p3"].map((name) => e.get(name)?.isolation.worker))).toEqual(new Set([1]));
      const answers = await Promise.all(["p1", "p2", "p3", "w"].map((name) => e.call(name, "echo", name)));
      expect(answers.map((out) => out.text())).toEqual(["p1", "p2", "p3", "w"]);
      // The worker plugin leaves: its slot lets the pool start a second worker for the next plugin.
      await e.uninstall("w");
      await e.install(await renamed("ok", "p4", { limits: { isolation: "pool" } }));
      expect(e.get("p4")?.isolation.worker).toBe(2);
    });

    test("bad pool options are refused by createEngine with bad_input naming the option", async () => {
      const bad = async (isolation: Record<string, unknown>, path: RegExp) => {
        const made = createEngine({ logger: quiet, isolation } as EngineOptions);
        const error: unknown = await made.then(
          async (accepted) => (await accepted.close(), "accepted"),
          (refused: unknown) => refused,
        );
        expect(error, `isolation ${String(isolation["poolSize"] ?? isolation["maxWorkers"] ?? JSON.stringify(isolation["pools"]))}`).toMatchObject({ code: "bad_input", message: expect.stringMatching(path) });
      };
      for (const poolSize of [0, -1, Number.NaN, 1.5, Number.POSITIVE_INFINITY, "2", null]) await bad({ poolSize }, /options\.isolation\.poolSize/);
      await bad({ poolSize: 1e9 }, /options\.isolation\.poolSize: isolation\.poolSize is 1000000000; a pool has at most 256 workers/);
      await bad({ pools: { big: { size: 100_000 } } }, /options\.isolation\.pools\.big\.size/);
      await bad({ pools: { zero: { size: 0 } } }, /options\.isolation\.pools\.zero\.size/);
      await bad({ pools: { "": { size: 1 } } }, /options\.isolation\.pools: .*1 to 64 characters/);
      await bad({ pools: [] }, /options\.isolation\.pools/);
      await bad({ poolSize: 2, pools: { default: { size: 3 } } }, /poolSize \(2\) and isolation\.pools\.default\.size \(3\) .* disagree/);
      for (const maxWorkers of [0, -3, Number.NaN]) await bad({ maxWorkers }, /options\.isolation\.maxWorkers/);
      await bad({ poolFor: "trusted" }, /options\.isolation\.poolFor/);
    });

    test("a poolFor that throws or answers no pool name fails that install with bad_input and installs nothing", async () => {
      const answers: Record<string, () => unknown> = {
        throws: () => {
          throw new Error("no idea");
        },
        big: () => 1n,
        promise: () => Promise.resolve("default"),
        missing: () => "nowhere",
        proto: () => "__proto__",
      };
      const e = await start({ isolation: { poolFor: (plugin) => (answers[plugin.name]?.() ?? "default") as string } });
      for (const name of Object.keys(answers)) {
        const error = await expectCode(e.install(await renamed("ok", name, { limits: { isolation: "pool" } })), "bad_input");
        expect(error.message).toMatch(/isolation\.poolFor/);
      }
      expect(e.list()).toEqual([]);
      await e.install(await renamed("ok", "fine", { limits: { isolation: "pool" } }));
      expect((await e.call("fine", "echo", "yes")).text()).toBe("yes");
    });

    test("closing engines frees their pool workers at once: 8 engines of 30 pooled plugins, one after another, all start (Chromium keeps the wasm memory of a worker terminated asleep in Atomics.wait)", async () => {
      const parts = await renamed("ok", "p", { limits: { isolation: "pool" } });
      for (let round = 0; round < 8; round++) {
        const e = await start({ isolation: { poolSize: 1 } });
        const names = Array.from({ length: 30 }, (_, i) => `r${round}p${i}`);
        await Promise.all(names.map((name) => e.install({ ...parts, manifest: { ...(parts.manifest as Record<string, unknown>), name } })));
        await e.close();
        engine = undefined;
      }
    });

    describe("hostile plugins next to a neighbour in the same pool worker", () => {
      /** One pool worker, and the neighbour "n" holding state there (its counter). */
      const withNeighbour = async (options: EngineOptions = {}): Promise<Engine> => {
        const e = await start({ ...options, isolation: { poolSize: 1, ...options.isolation } });
        await e.install(await renamed("isolation", "n", { limits: { isolation: "pool", timeoutMs: 10_000 } }));
        expect((await e.call("n", "counter")).text()).toBe("1");
        return e;
      };
      const neighbourCounts = async (e: Engine, expected: string): Promise<void> => {
        expect((await e.call("n", "counter")).text()).toBe(expected);
      };

      test("a memory bomb (memory.grow to the cap) fails with memory_limit; the neighbour keeps its instance", async () => {
        const e = await withNeighbour();
        await e.install(await renamed("memory-bomb", "bomb", { limits: { isolation: "pool", memoryPages: 512 } }));
        const busy = e.call("n", "counter");
        await expectCode(e.call("bomb", "grow"), "memory_limit");
        expect((await busy).text()).toBe("2");
        expect((await e.call("bomb", "pages")).text()).toBe("512");
        await neighbourCounts(e, "3");
      });

      test("a start function that traps fails its install (init_failed); one that never returns is stopped at its timeout; the neighbour keeps its instance", async () => {
        const e = await withNeighbour();
        const trapped = await expectCode(e.install(await renamed("start-traps", "st", { limits: { isolation: "pool" } })), "init_failed");
        expect(trapped.message).toMatch(/unreachable|trap/i);
        await expectCode(e.install(await renamed("start-spins", "ss", { limits: { isolation: "pool", timeoutMs: 300 } })), "init_failed");
        expect(e.list().map((plugin) => plugin.name)).toEqual(["n"]);
        await neighbourCounts(e, "2");
        expect(e.get("n")?.isolation).toEqual({ mode: "pool", pool: "default", worker: 1 });
      });

      test("unreachable in a call is plugin_trap for that call only", async () => {
        const e = await withNeighbour();
        await e.install(await renamed("trap", "t", { limits: { isolation: "pool" } }));
        const busy = e.call("n", "counter");
        await expectCode(e.call("t", "boom"), "plugin_trap");
        expect((await busy).text()).toBe("2");
        expect((await e.call("t", "echo", "still")).text()).toBe("still");
        await neighbourCounts(e, "3");
      });

      test("huge outputs: past maxOutputBytes it is limit_exceeded; within it, many MiB cross the shared worker intact", async () => {
        const e = await withNeighbour();
        const mib = 1024 * 1024;
        await e.install(await renamed("big-output", "big", { limits: { isolation: "pool", maxOutputBytes: 24 * mib, memoryPages: 1024, timeoutMs: 10_000 } }));
        await expectCode(e.call("big", "big", String(25 * mib)), "limit_exceeded");
        const out = (await e.call("big", "big", String(20 * mib))).bytes;
        expect(out.length).toBe(20 * mib);
        expect(out.every((byte) => byte === 0x78)).toBe(true);
        await neighbourCounts(e, "2");
      });

      test("an unmetered infinite loop with a neighbour mid-call: the loop times out, the neighbour's call is retried on a fresh instance", async () => {
        const e = await withNeighbour({ metering: { unmetered: "allow" } });
        const parts = await renamed("isolation", "spin", { limits: { isolation: "pool", timeoutMs: 300 } });
        await e.install({ ...parts, wasm: await moduleOf(parts.wasm as Uint8Array) });
        const runaway = e.call("spin", "spin");
        const neighbour = e.call("n", "counter");
        await expectCode(runaway, "timeout");
        // Its worker was terminated: the neighbour's queued call ran on a fresh instance (counter from 1).
        expect((await neighbour).text()).toBe("1");
        expect((await e.call("spin", "echo", "back")).text()).toBe("back");
        await neighbourCounts(e, "2");
        expect(e.get("n")?.isolation).toMatchObject({ mode: "pool", pool: "default", worker: 2 });
      });

      // Chromium holds about 125 wasm memories per page at once (each reserves its address space),
      // inline and pooled together: there the case runs 100 plugins.
      const many = env.runtime === "browser" ? 100 : 200;
      test(`${many} plugins in a pool of 1 answer ${3 * many} concurrent calls, each its own`, async () => {
        const e = await withNeighbour();
        const names = Array.from({ length: many }, (_, i) => `p${i}`);
        const parts = await renamed("ok", "p", { limits: { isolation: "pool" } });
        for (const name of names) await e.install({ ...parts, manifest: { ...(parts.manifest as Record<string, unknown>), name } });
        expect(new Set(names.map((name) => e.get(name)?.isolation.worker))).toEqual(new Set([1]));
        const calls = names.flatMap((name) => [e.call(name, "echo", name), e.call(name, "counter"), e.call(name, "counter")]);
        const out = (await Promise.all(calls)).map((result) => result.text());
        expect(out).toEqual(names.flatMap((name) => [name, "1", "2"]));
        await neighbourCounts(e, "2");
      });

      test("uninstall while its call is queued in the pool worker: the call ends, the uninstall ends, the neighbour serves", async () => {
        const e = await withNeighbour();
        await e.install(await renamed("isolation", "slow", { limits: { isolation: "pool", timeoutMs: 400 } }));
        await e.install(await renamed("ok", "victim", { limits: { isolation: "pool" } }));
        const slow = e.call("slow", "spin");
        const queued = e.call("victim", "echo", "queued");
        const again = e.call("victim", "echo", "queued too");
        const gone = e.uninstall("victim");
        await expectCode(slow, "timeout");
        await gone;
        for (const settled of await Promise.allSettled([queued, again])) {
          if (settled.status === "fulfilled") expect(settled.value.text()).toMatch(/^queued/);
          else expect(settled.reason).toMatchObject({ code: expect.stringMatching(/^(plugin_unavailable|plugin_not_found)$/) });
        }
        expect(e.get("victim")).toBeUndefined();
        await neighbourCounts(e, "2");
      });

      test("engine.close() while the pool worker is busy: every call settles with an answer or a clear code, close ends", async () => {
        const e = await withNeighbour();
        await e.install(await renamed("isolation", "slow", { limits: { isolation: "pool", timeoutMs: 400 } }));
        const calls = Promise.allSettled([e.call("slow", "spin"), e.call("n", "counter"), e.call("n", "echo", "x")]);
        await e.close();
        const settled = await calls;
        expect(settled[0]).toMatchObject({ status: "rejected", reason: { code: "timeout" } });
        for (const each of settled.slice(1)) if (each.status === "rejected") expect(each.reason).toMatchObject({ code: expect.stringMatching(/^(plugin_unavailable|engine_closed)$/) });
        await expectCode(e.call("n", "counter"), "engine_closed");
        engine = undefined;
      });
    });
  });
}
