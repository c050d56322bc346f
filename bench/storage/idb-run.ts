/**
 * bench/storage/idb-run.ts: the IndexedDB half of bench/storage, in headless Chromium (run by
 * `npm run bench:storage:browser`). Plugin calls per second with 0, 1 and 10 writes per call on
 * an engine with `indexedDbStorage`, the same calls on an engine without storage, the driver's
 * commit of the same records alone, and raw `idb` puts of them in one readwrite transaction
 * (durability "strict", as the driver's default) — side by side, order rotating, medians.
 * The ratios are medians of per-round ratios (each round measures every contender within a few
 * seconds), which a loaded machine disturbs less than a ratio of medians taken apart.
 */
import { createEngine, type Engine } from "@threadspace/core";
import { indexedDbStorage, type StorageDriver } from "@threadspace/storage";
import { deleteDB, openDB, type IDBPDatabase } from "idb";
import { test } from "vitest";
import { batchOf } from "./records.ts";
import { fetchBytes, median, opsPerSecond } from "../lib/browser.ts";

const ROUNDS = 15;
const MS = 300;
/** Calls per second of `op` run back to back for MS ms. */
const rate = (op: () => Promise<unknown>): Promise<number> => opsPerSecond(op, MS);
const WRITES = [0, 1, 10] as const;
const MIB = 1024 * 1024;
const stamp = Date.now();


test("bench/storage in Chromium (IndexedDB)", async () => {
  const manifest = JSON.parse(new TextDecoder().decode(await fetchBytes("/test/fixtures/wat/bench-host.json"))) as Record<string, unknown>;
  const wasm = await fetchBytes("/test/fixtures/build/bench-host.wasm");
  const limits = { storageBytes: 1024 * MIB, defaults: { storageBytes: 1024 * MIB } };
  const start = async (storage?: StorageDriver): Promise<Engine> => {
    const engine = await createEngine({ grant: true, limits, ...(storage === undefined ? {} : { storage }) });
    engine.defineHostApi({ name: "bench", permission: "custom:bench", functions: { noop: () => null } });
    await engine.install({ manifest, wasm });
    return engine;
  };
  const names = { engine: `bench-engine-${stamp}`, driver: `bench-driver-${stamp}`, raw: `bench-raw-${stamp}` };
  const bare = await start();
  const stored = await start(indexedDbStorage({ name: names.engine }));
  const driver = indexedDbStorage({ name: names.driver });
  const raw: IDBPDatabase = await openDB(names.raw, 1, { upgrade: (db) => void db.createObjectStore("memories") });
  const rawPut = async (writes: number) => {
    const tx = raw.transaction("memories", "readwrite", { durability: "strict" });
    for (const write of batchOf(writes)) void tx.store.put(write.value, write.key);
    await tx.done;
  };
  const contenders: Record<string, () => Promise<number>> = {};
  for (const writes of WRITES) {
    const input = "x".repeat(writes);
    contenders[`none|${writes}`] = () => rate(() => bare.call("bench-host", "memory_put_loop", input));
    contenders[`engine|${writes}`] = () => rate(() => stored.call("bench-host", "memory_put_loop", input));
    contenders[`driver|${writes}`] = () => rate(() => driver.commit(batchOf(writes)));
    contenders[`idb|${writes}`] = () => rate(() => rawPut(writes));
    // Doing it yourself: the same call on the engine without storage, then raw idb puts of the
    // same records. It waits on IndexedDB after every call as the engine does, so the main
    // thread is as "cold" at the next call (measured: a call right after an IndexedDB wait costs
    // ~20 µs more than in a tight loop, which "storage cost" alone charges to the engine).
    if (writes > 0) contenders[`same|${writes}`] = () => rate(async () => (await bare.call("bench-host", "memory_put_loop", input), await rawPut(writes)));
  }
  for (const run of Object.values(contenders)) await run(); // warm-up
  const results: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  const order = Object.keys(contenders);
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < order.length; i++) {
      const name = order[(i + round) % order.length] as string;
      results[name]?.push(await (contenders[name] as () => Promise<number>)());
    }
  }
  const us = (name: string) => 1e6 / median(results[name] as number[]);
  /** Median over rounds of `of(round)`, from each round's own figures (µs). */
  const perRound = (of: (at: (name: string) => number) => number): number =>
    median(Array.from({ length: ROUNDS }, (_, round) => of((name) => 1e6 / ((results[name] as number[])[round] as number))));
  const lines = [
    `## storage in Chromium (IndexedDB, durability strict; ${navigator.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? "Chromium"}, ${new Date().toISOString().slice(0, 10)})`,
    `µs per call or commit, median of ${ROUNDS} rounds of ${MS} ms, order rotating. "storage cost" = engine with IndexedDB − the same engine without storage. "call + raw puts" = the same call without storage, then raw idb puts of the same records (doing it yourself). Ratios: median of per-round ratios.`,
    "",
    "| writes per call | engine calls | no storage | storage cost | driver commit | raw idb puts | call + raw puts | **engine ÷ call + raw puts** | (engine − call) ÷ (call + raw puts − call) | storage cost / raw idb | driver / raw idb |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  const perRoundLines: string[] = [];
  for (const writes of WRITES) {
    const cost = us(`engine|${writes}`) - us(`none|${writes}`);
    const idb = us(`idb|${writes}`);
    const costRatio = perRound((at) => (at(`engine|${writes}`) - at(`none|${writes}`)) / at(`idb|${writes}`));
    const driverRatio = perRound((at) => at(`driver|${writes}`) / at(`idb|${writes}`));
    const same = writes === 0 ? undefined : us(`same|${writes}`);
    const totalRatio = writes === 0 ? undefined : perRound((at) => at(`engine|${writes}`) / at(`same|${writes}`));
    const commitRatio = writes === 0 ? undefined : perRound((at) => (at(`engine|${writes}`) - at(`none|${writes}`)) / (at(`same|${writes}`) - at(`none|${writes}`)));
    const dash = "– (no commit)";
    lines.push(
      `| ${writes} | ${us(`engine|${writes}`).toFixed(1)} µs (${Math.round(1e6 / us(`engine|${writes}`))}/s) | ${us(`none|${writes}`).toFixed(1)} µs | ${cost.toFixed(1)} µs | ${us(`driver|${writes}`).toFixed(1)} µs | ${idb.toFixed(1)} µs | ${same === undefined ? dash : `${same.toFixed(1)} µs`} | ${totalRatio === undefined ? dash : `**${totalRatio.toFixed(2)}×**`} | ${commitRatio === undefined ? dash : `${commitRatio.toFixed(2)}×`} | ${writes === 0 ? dash : `${costRatio.toFixed(2)}×`} | ${driverRatio.toFixed(2)}× |`,
    );
    if (writes > 0) perRoundLines.push(`${writes} write${writes === 1 ? "" : "s"}: storage cost / raw idb per round: ${Array.from({ length: ROUNDS }, (_, round) => { const at = (name: string) => 1e6 / ((results[name] as number[])[round] as number); return ((at(`engine|${writes}`) - at(`none|${writes}`)) / at(`idb|${writes}`)).toFixed(2); }).join(", ")}`);
  }
  console.log([...lines, "", ...perRoundLines].join("\n"));
  await bare.close();
  await stored.close();
  await driver.close();
  raw.close();
  for (const name of Object.values(names)) await deleteDB(name);
});
