/**
 * bench/memory-cap: what capping a module's guest memory (`capGuestMemory`) costs before
 * compiling, for a 16 KiB and a 1 MiB module, against what `WebAssembly.compile` of the same
 * module costs. Cases: a memory without a maximum (a maximum is inserted: the module is copied
 * with one more byte), a 4 GiB maximum (lowered in place: copied), a maximum already within the
 * cap (nothing to do: the input comes back), and an imported memory after 200 function imports.
 *
 * Run: npx tsx --conditions=source bench/memory-cap/run.ts      (ROUNDS=7 by default)
 */
import wabtInit from "wabt";
import { capGuestMemory } from "../../packages/core/src/limits/memory-cap.ts";
import { machineLine, median } from "../lib/measure.ts";

const ROUNDS = Number(process.env["ROUNDS"] ?? 7);
const CAP = 256;
const wabt = await wabtInit();

/** A module of about `target` bytes: many small functions (code) plus a data segment. */
function buildModule(target: number, memoryDecl: string, imports = 0): Uint8Array<ArrayBuffer> {
  const build = (functions: number, dataBytes: number) => {
    const parts = [`(module`];
    for (let i = 0; i < imports; i++) parts.push(`(import "extism:host/user" "h${i}" (func (param i64) (result i64)))`);
    parts.push(memoryDecl);
    for (let i = 0; i < functions; i++) {
      parts.push(`(func (export "f${i}") (param i32) (result i32)
        (i32.add (i32.mul (local.get 0) (i32.const ${i + 3})) (i32.load (i32.and (local.get 0) (i32.const 1020)))))`);
    }
    if (dataBytes > 0) parts.push(`(data (i32.const 1024) "${"\\2a".repeat(dataBytes)}")`);
    parts.push(`)`);
    const module = wabt.parseWat("bench.wat", parts.join("\n"), {});
    try {
      module.resolveNames();
      module.validate();
      return new Uint8Array(module.toBinary({ canonicalize_lebs: true }).buffer);
    } finally {
      module.destroy();
    }
  };
  // About 70% code, the rest data; then pad the data segment to land on the target.
  const probe = build(100, 0);
  const perFunction = (probe.byteLength - build(0, 0).byteLength) / 100;
  const functions = Math.max(1, Math.floor((target * 0.7) / perFunction));
  const base = build(functions, 0);
  return build(functions, Math.max(0, target - base.byteLength - 8));
}

/** Median µs per call of a synchronous function, over ROUNDS rounds of at least ~40 ms each. */
function timeSync(fn: () => unknown): number {
  let iterations = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    const elapsed = performance.now() - start;
    if (elapsed >= 40) break;
    iterations *= 2;
  }
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    rounds.push(((performance.now() - start) * 1000) / iterations);
  }
  return median(rounds);
}

async function timeAsync(fn: () => Promise<unknown>, iterations: number): Promise<number> {
  await fn();
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) await fn();
    rounds.push(((performance.now() - start) * 1000) / iterations);
  }
  return median(rounds);
}

const sizes = [
  { label: "16 KiB", bytes: 16 * 1024 },
  { label: "1 MiB", bytes: 1024 * 1024 },
];
const cases = [
  { label: "no maximum (inserted)", decl: `(memory (export "memory") 1)`, imports: 0 },
  { label: "max 65536 (lowered in place)", decl: `(memory (export "memory") 1 65536)`, imports: 0 },
  { label: `max 16 (within cap: unchanged)`, decl: `(memory (export "memory") 1 16)`, imports: 0 },
  { label: "imported, after 200 imports", decl: `(import "env" "memory" (memory 1))`, imports: 200 },
];

const rows: string[] = [];
for (const size of sizes) {
  const compileUs = await timeAsync(() => WebAssembly.compile(buildModule(size.bytes, cases[0]!.decl)), size.bytes > 100_000 ? 5 : 100);
  for (const c of cases) {
    const wasm = buildModule(size.bytes, c.decl, c.imports);
    const result = capGuestMemory(wasm, CAP);
    if (!WebAssembly.validate(result.bytes as Uint8Array<ArrayBuffer>)) throw new Error(`${c.label}: capped module does not validate`);
    const us = timeSync(() => capGuestMemory(wasm, CAP));
    const mbPerS = wasm.byteLength / us; // bytes per µs = MB/s
    rows.push(
      `| ${size.label} (${wasm.byteLength} B) | ${c.label} | ${result.changed ? `yes (${result.bytes.byteLength - wasm.byteLength >= 0 ? "+" : ""}${result.bytes.byteLength - wasm.byteLength} B)` : "no"} | ${us.toFixed(2)} | ${Math.round(mbPerS)} | ${Math.round(compileUs)} | ${((us / compileUs) * 100).toFixed(2)}% |`,
    );
  }
}

console.log(`## memory-cap (${machineLine()}, ${new Date().toISOString().slice(0, 10)}; cap ${CAP} pages; median of ${ROUNDS} rounds)`);
console.log();
console.log("| module | case | rewritten | µs per cap | MB/s | `WebAssembly.compile` µs | cap / compile |");
console.log("|---|---|---|---:|---:|---:|---:|");
for (const row of rows) console.log(row);
