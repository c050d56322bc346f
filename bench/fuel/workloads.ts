/**
 * The workloads of bench/fuel, shared by the Node and the Chromium runs (no Node built-ins): each
 * is a CPU-heavy export of a built example, called through raw @extism/extism inline, once plain
 * and once metered by the rewrite (threadspace:meter served by the engine's FuelMeter).
 */
import createPlugin, { type CallContext, type Plugin } from "@extism/extism";
import { FuelMeter } from "../../packages/core/src/fuel/fuel-meter.ts";
import { rewriteModule } from "../../packages/core/src/metering/index.ts";

/** One benchmarked export. */
export interface Workload {
  readonly name: string;
  /** The example's wasm, relative to the repository root. */
  readonly wasm: string;
  readonly exportName: string;
  readonly input: () => string;
  /** Host functions (extism:host/user) the module imports; each replies `{"ok":null}`. */
  readonly host?: readonly string[];
  readonly config?: Record<string, string>;
  readonly lifecycle?: boolean;
}

/** About 1 MiB of English-like text. */
function text(bytes: number): string {
  const words = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "metering", "counts", "every", "instruction", "in", "a", "plugin"];
  let out = "";
  let seed = 7;
  while (out.length < bytes) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    out += `${words[seed % words.length]} `;
  }
  return out.slice(0, bytes);
}

export const WORKLOADS: readonly Workload[] = [
  { name: "count-vowels (AssemblyScript), 1 MiB of text", wasm: "examples/count-vowels/plugin.wasm", exportName: "count_vowels", input: () => text(1 << 20), lifecycle: true },
  { name: "hash-sort (C), hash + sort 300,000 numbers", wasm: "examples/hash-sort/plugin.wasm", exportName: "hash_sort", input: () => "300000 7" },
  {
    name: "pattern-recognizer (AssemblyScript), 2,000 events (190 KiB JSON)",
    wasm: "examples/pattern-recognizer/plugin.wasm",
    exportName: "recognize_patterns",
    input: () =>
      JSON.stringify({
        events: Array.from({ length: 2000 }, (_, i) => ({
          at: `2026-01-01T${String(10 + Math.floor(i / 60) % 10).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}:00Z`,
          user: `user${i % 7}`,
          type: ["login", "logout", "view", "edit"][i % 4],
          note: `user logged in from host ${i % 5} after ${i % 11} retries`,
        })),
      }),
    host: ["ts_thread_read", "ts_log", "ts_config_get"],
    lifecycle: true,
  },
];

/** A loaded plugin and, when metered, its meter. */
export interface Contender {
  readonly plugin: Plugin;
  readonly meter: FuelMeter | undefined;
  call(input: string): Promise<string>;
}

function hostStubs(names: readonly string[] = []): Record<string, Record<string, (context: CallContext) => bigint>> {
  if (names.length === 0) return {};
  return { "extism:host/user": Object.fromEntries(names.map((name) => [name, (context: CallContext) => context.store('{"ok":null}')])) };
}

/** Loads a workload's module plain or metered (the meter's budget: no fuel limit, no deadline: the cost of metering alone). */
export async function load(workload: Workload, wasm: Uint8Array, metered: boolean): Promise<Contender> {
  const meter = metered ? new FuelMeter(workload.name) : undefined;
  const open = { fuel: Infinity, deadline: Infinity };
  meter?.begin(open);
  const plugin = await createPlugin({ wasm: [{ data: wasm }], config: workload.config ?? {} }, { useWasi: false, functions: { ...hostStubs(workload.host), ...(meter?.extismFunctions() ?? {}) } });
  meter?.end();
  meter?.attach(await plugin.getInstance());
  const call = async (input: string): Promise<string> => {
    meter?.begin(open);
    try {
      return (await plugin.call(workload.exportName, input))?.text() ?? "";
    } finally {
      meter?.end();
    }
  };
  if (workload.lifecycle === true) await plugin.call("init_plugin", "");
  return { plugin, meter, call };
}

/** The metered bytes of a module (with the engine's default caps). */
export function meter(wasm: Uint8Array): Uint8Array {
  return rewriteModule(wasm, { memoryPages: 65_536, tableElements: 100_000 }).bytes;
}

/** Median of a list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** What one workload measured: per-round ms of each side, the ratio per round, fuel per call. */
export interface SlowdownResult {
  readonly name: string;
  readonly plainMs: number;
  readonly meteredMs: number;
  readonly ratio: number;
  readonly ratios: readonly number[];
  readonly fuel: number;
}

/**
 * Measures a workload side by side: the same output from both first, a warm-up, then `rounds`
 * rounds, each timing `calls` calls of either side with the order alternating; the slowdown is
 * the median of per-round ratios. `clock` returns ms (CPU time in Node, wall time in browsers).
 */
export async function slowdown(workload: Workload, wasm: Uint8Array, rounds: number, calls: number, clock: () => number): Promise<SlowdownResult> {
  const plain = await load(workload, wasm, false);
  const metered = await load(workload, meter(wasm), true);
  const input = workload.input();
  const expected = await plain.call(input);
  const got = await metered.call(input);
  if (got !== expected) throw new Error(`${workload.name}: metered output differs: ${got.slice(0, 80)} vs ${expected.slice(0, 80)}`);
  metered.meter?.begin({ fuel: Infinity, deadline: Infinity });
  await metered.plugin.call(workload.exportName, input);
  const fuel = metered.meter?.end().fuel ?? 0;
  const time = async (c: Contender): Promise<number> => {
    const start = clock();
    for (let i = 0; i < calls; i++) await c.call(input);
    return (clock() - start) / calls;
  };
  await time(plain);
  await time(metered);
  const p: number[] = [];
  const m: number[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      p.push(await time(plain));
      m.push(await time(metered));
    } else {
      m.push(await time(metered));
      p.push(await time(plain));
    }
  }
  await plain.plugin.close();
  await metered.plugin.close();
  const ratios = p.map((x, i) => (m[i] as number) / x);
  return { name: workload.name, plainMs: median(p), meteredMs: median(m), ratio: median(ratios), ratios, fuel };
}

/** The rewrite's throughput against WebAssembly.compile of the same bytes, and the size growth. */
export interface TransformResult {
  readonly name: string;
  readonly bytes: number;
  readonly meteredBytes: number;
  readonly rewriteMs: number;
  readonly compileMs: number;
}

/** The module with a custom section holding `n`: bytes V8 has not compiled before (it caches modules by their bytes). */
function uniqueCopy(wasm: Uint8Array, n: number): Uint8Array<ArrayBuffer> {
  const tail = [0x00, 10, 5, 0x62, 0x65, 0x6e, 0x63, 0x68, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, 0x00];
  const out = new Uint8Array(wasm.byteLength + tail.length);
  out.set(wasm);
  out.set(tail, wasm.byteLength);
  return out;
}

/** Times rewriteModule and WebAssembly.compile of a module (median of `repeats`, after a warm-up). */
export async function transform(name: string, wasm: Uint8Array, repeats: number): Promise<TransformResult> {
  const metered = meter(wasm);
  const rewrite: number[] = [];
  const compile: number[] = [];
  for (let i = 0; i < 3; i++) meter(wasm);
  for (let i = 0; i < repeats; i++) {
    let start = performance.now();
    meter(wasm);
    rewrite.push(performance.now() - start);
    const fresh = uniqueCopy(wasm, i);
    start = performance.now();
    await WebAssembly.compile(fresh);
    compile.push(performance.now() - start);
  }
  return { name, bytes: wasm.byteLength, meteredBytes: metered.byteLength, rewriteMs: median(rewrite), compileMs: median(compile) };
}

/** The result tables, as Markdown lines. */
export function report(runtime: string, slow: readonly SlowdownResult[], transforms: readonly TransformResult[], rounds: number, clockName: string): string[] {
  const f = (n: number, d = 2): string => n.toFixed(d);
  const mib = (bytes: number, ms: number): string => f(bytes / 2 ** 20 / (ms / 1000), 1);
  const lines = [
    `### Fuel (${runtime}, ${new Date().toISOString().slice(0, 10)})`,
    `Raw @extism/extism inline, plain vs metered (rewriteModule + FuelMeter, no budget: the cost of metering alone); ${rounds} rounds, order alternating; ${clockName}; slowdown = median of per-round ratios.`,
    "",
    "| workload | plain | metered | slowdown | fuel per call | per-round ratios |",
    "|---|---|---|---|---|---|",
    ...slow.map((r) => `| ${r.name} | ${f(r.plainMs)} ms | ${f(r.meteredMs)} ms | ${f(r.ratio, 3)}× | ${r.fuel.toLocaleString("en-US")} | ${r.ratios.map((x) => f(x)).join(" ")} |`),
    "",
    "| module | size | metered size | growth | rewrite | rewrite MiB/s | WebAssembly.compile | compile MiB/s |",
    "|---|---|---|---|---|---|---|---|",
    ...transforms.map(
      (t) =>
        `| ${t.name} | ${(t.bytes / 1024).toFixed(1)} KiB | ${(t.meteredBytes / 1024).toFixed(1)} KiB | +${f((t.meteredBytes / t.bytes - 1) * 100, 1)}% | ${f(t.rewriteMs)} ms | ${mib(t.bytes, t.rewriteMs)} | ${f(t.compileMs)} ms | ${mib(t.bytes, t.compileMs)} |`,
    ),
  ];
  const total = transforms.reduce((a, t) => ({ bytes: a.bytes + t.bytes, grown: a.grown + t.meteredBytes, rewrite: a.rewrite + t.rewriteMs, compile: a.compile + t.compileMs }), { bytes: 0, grown: 0, rewrite: 0, compile: 0 });
  lines.push(
    `| all of the above | ${(total.bytes / 1024).toFixed(1)} KiB | ${(total.grown / 1024).toFixed(1)} KiB | +${f((total.grown / total.bytes - 1) * 100, 1)}% | ${f(total.rewrite)} ms | ${mib(total.bytes, total.rewrite)} | ${f(total.compile)} ms | ${mib(total.bytes, total.compile)} |`,
  );
  return lines;
}

/** Modules whose rewrite is timed: every example the workloads use, and the others. */
export const TRANSFORM_MODULES: readonly string[] = [
  "examples/pattern-recognizer/plugin.wasm",
  "examples/memory-analyzer/plugin.wasm",
  "examples/activity-journal/plugin.wasm",
  "examples/count-vowels/plugin.wasm",
  "examples/hello/plugin.wasm",
  "examples/hash-sort/plugin.wasm",
  "examples/c-hello/plugin.wasm",
];
