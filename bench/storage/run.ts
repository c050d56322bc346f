/**
 * bench/storage/run.ts: plugin calls per second of an engine on a storage driver, with 0, 1 and
 * 10 writes per call, next to raw commits of the same records to the same kind of driver (no
 * engine), side by side in one run. Each write is a new memory of about 200 bytes
 * (`ts_memory_put` from test/fixtures/wat/bench-host.wat, export `memory_put_loop`); a call's
 * writes are one driver commit. Calls are awaited one after another. 0 writes is the engine's
 * synchronous path (nothing to store: no commit at all) against an empty raw commit.
 *
 * Node only: memory and file drivers. IndexedDB needs a browser (not measured here).
 *
 * Run: npm run bench:storage   (ROUNDS=5 MS=300 by default)
 */
import { createEngine, type Engine } from "@threadspace/core";
import { memoryStorage, type StorageDriver } from "@threadspace/storage";
import { fileStorage } from "@threadspace/storage/file";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixed, machineLine, median, sideBySide } from "../lib/measure.ts";
import { batchOf } from "./records.ts";

const ROUNDS = Number(process.env["ROUNDS"] ?? 5);
const MS = Number(process.env["MS"] ?? 300); // time per contender per round
const WRITES = [0, 1, 10] as const;
const MIB = 1024 * 1024;
const fixtures = fileURLToPath(new URL("../../test/fixtures/", import.meta.url));
const manifest = JSON.parse(await readFile(`${fixtures}wat/bench-host.json`, "utf8")) as Record<string, unknown>;
const wasm = new Uint8Array(await readFile(`${fixtures}build/bench-host.wasm`));
const dirs: string[] = [];

type Kind = "memory" | "file strict" | "file relaxed";
async function open(kind: Kind): Promise<StorageDriver> {
  if (kind === "memory") return memoryStorage();
  const dir = await mkdtemp(join(tmpdir(), "threadspace-bench-"));
  dirs.push(dir);
  return fileStorage({ dir, durability: kind === "file strict" ? "strict" : "relaxed" });
}


/** Operations per second over about MS milliseconds, one after another. */
async function rate(op: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const start = performance.now();
  const deadline = start + MS;
  while (performance.now() < deadline) {
    await op();
    count++;
  }
  return count / ((performance.now() - start) / 1000);
}

const kinds: Kind[] = ["memory", "file strict", "file relaxed"];
const engines: Record<string, Engine> = {};
const raw: Record<string, StorageDriver> = {};
const contenders: Record<string, () => Promise<number>> = {};
// The same engine without storage: what the calls cost before anything is stored.
const bare = await createEngine({ grant: true, limits: { storageBytes: 1024 * MIB, defaults: { storageBytes: 1024 * MIB } } });
bare.defineHostApi({ name: "bench", permission: "custom:bench", functions: { noop: () => null } });
await bare.install({ manifest, wasm });
engines["none"] = bare;
for (const writes of WRITES) contenders[`none|${writes}|engine`] = () => rate(() => bare.call("bench-host", "memory_put_loop", "x".repeat(writes)));
for (const kind of kinds) {
  const engine = await createEngine({ grant: true, storage: await open(kind), limits: { storageBytes: 1024 * MIB, defaults: { storageBytes: 1024 * MIB } } });
  engine.defineHostApi({ name: "bench", permission: "custom:bench", functions: { noop: () => null } });
  await engine.install({ manifest, wasm });
  engines[kind] = engine;
  const driver = await open(kind);
  raw[kind] = driver;
  for (const writes of WRITES) {
    const input = "x".repeat(writes);
    contenders[`${kind}|${writes}|engine`] = () => rate(() => engine.call("bench-host", "memory_put_loop", input));
    contenders[`${kind}|${writes}|raw`] = () => rate(() => driver.commit(batchOf(writes)));
  }
}
// The plugin really writes: 10 memories per call of the 10-write input.
const before = engines["memory"]?.memories.query({ limit: 1000 }).length ?? 0;
await engines["memory"]?.call("bench-host", "memory_put_loop", "x".repeat(10));
if ((engines["memory"]?.memories.query({ limit: 1000 }).length ?? 0) !== before + 10) throw new Error("memory_put_loop did not write 10 memories");

for (const run of Object.values(contenders)) await run(); // warm-up
const results = await sideBySide(ROUNDS, contenders);

const show = (perSecond: number) => (perSecond >= 10_000 ? `${fixed(perSecond / 1000, 0)}k/s` : `${fixed(perSecond, 0)}/s`);
const at = (kind: Kind, writes: number, what: "engine" | "raw") => median(results[`${kind}|${writes}|${what}`] as number[]);
console.log(`## storage: engine calls vs raw driver commits (${machineLine()}, ${new Date().toISOString().slice(0, 10)})`);
console.log(`Per second (µs each), median of ${ROUNDS} rounds of ${MS} ms, order rotating. One call = one commit of its writes (~200-byte memories).`);
console.log(`"storage cost" = µs per call with the driver − µs per the same call without storage (the quota check, the commit, the wait); "raw commit" = the driver's commit of the same records alone.`);
console.log("");
console.log("| driver | writes per call | engine calls | same calls, no storage | storage cost per call | raw commit | storage cost / raw |");
console.log("|---|---|---|---|---|---|---|");
for (const kind of kinds) {
  for (const writes of WRITES) {
    const engine = at(kind, writes, "engine");
    const direct = at(kind, writes, "raw");
    const none = median(results[`none|${writes}|engine`] as number[]);
    const cost = 1e6 / engine - 1e6 / none;
    console.log(`| ${kind} | ${writes} | ${show(engine)} (${fixed(1e6 / engine, 1)} µs) | ${fixed(1e6 / none, 1)} µs | ${fixed(cost, 1)} µs | ${fixed(1e6 / direct, 1)} µs | ${writes === 0 ? "– (no commit)" : `${fixed(cost / (1e6 / direct), 2)}×`} |`);
  }
}
console.log("");
console.log("IndexedDB: measured in headless Chromium by `npm run bench:storage:browser` (bench/storage/idb-run.ts).");
for (const engine of Object.values(engines)) await engine.close();
for (const driver of Object.values(raw)) await driver.close();
for (const dir of dirs) await rm(dir, { recursive: true, force: true });
