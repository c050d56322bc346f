import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import wabtInit from "wabt";

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabt: Promise<Wabt> | undefined;

/** Post-MVP features the fixtures may use. */
export interface WatFeatures {
  threads?: boolean;
  memory64?: boolean;
  multi_memory?: boolean;
}

/** Compiles WebAssembly text to a binary with the npm `wabt` package (no native tools). */
export async function watToWasm(wat: string, features: WatFeatures = {}): Promise<Uint8Array> {
  wabt ??= wabtInit();
  const module = (await wabt).parseWat("fixture.wat", wat, features);
  try {
    // wabt.js validates with its default features only, so modules using others skip this step.
    if (Object.values(features).every((on) => on !== true)) module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

function watString(text: string): string {
  return Array.from(new TextEncoder().encode(text), (b) => `\\${b.toString(16).padStart(2, "0")}`).join("");
}

/**
 * A small Extism plugin in WAT. With `lifecycle` (default) it is a Threadspace plugin
 * (`init_plugin`, `get_metadata` reporting `name@1.0.0`). Exports:
 * `echo` (output = input), `pair` (outputs `{"a":1,"b":[true,null]}`), `bytes` (outputs 00 ff 0a 41),
 * `fail` (reports the error "boom").
 */
export function pluginWat(name: string, options: { lifecycle?: boolean; extraImports?: string } = {}): string {
  const metadata = JSON.stringify({ name, version: "1.0.0" });
  const pair = '{"a":1,"b":[true,null]}';
  const lifecycle = options.lifecycle === false ? "" : `
  (func (export "init_plugin") (result i32) (i32.const 0))
  (func (export "get_metadata") (result i32) (call $emit (i32.const 0) (i32.const ${metadata.length})) (i32.const 0))`;
  return `(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  ${options.extraImports ?? ""}
  (memory (export "memory") 1 4)
  (data (i32.const 0) "${watString(metadata)}")
  (data (i32.const 256) "${watString(pair)}")
  (data (i32.const 512) "\\00\\ff\\0a\\41")
  (data (i32.const 768) "boom")
  ;; Copies [ptr, ptr+len) of this module's memory into a new Extism block.
  (func $block (param $ptr i32) (param $len i32) (result i64)
    (local $i i32) (local $h i64)
    (local.set $h (call $alloc (i64.extend_i32_u (local.get $len))))
    (block $done
      (loop $copy
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (call $store_u8 (i64.add (local.get $h) (i64.extend_i32_u (local.get $i))) (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $copy)))
    (local.get $h))
  (func $emit (param $ptr i32) (param $len i32)
    (call $output_set (call $block (local.get $ptr) (local.get $len)) (i64.extend_i32_u (local.get $len))))
  ${lifecycle}
  (func (export "echo") (result i32)
    (local $n i64) (local $i i64) (local $h i64)
    (local.set $n (call $input_length))
    (local.set $h (call $alloc (local.get $n)))
    (block $done
      (loop $copy
        (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
        (call $store_u8 (i64.add (local.get $h) (local.get $i)) (call $input_load_u8 (local.get $i)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $copy)))
    (call $output_set (local.get $h) (local.get $n))
    (i32.const 0))
  (func (export "pair") (result i32) (call $emit (i32.const 256) (i32.const ${pair.length})) (i32.const 0))
  (func (export "bytes") (result i32) (call $emit (i32.const 512) (i32.const 4)) (i32.const 0))
  (func (export "fail") (result i32) (call $error_set (call $block (i32.const 768) (i32.const 4))) (i32.const 1)))`;
}

/** A temporary directory, removed by the returned `cleanup`. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "threadspace-cli-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes a bundle (plugin.json as 2-space JSON, plus the wasm when given) into `dir`. */
export async function writeBundle(dir: string, manifest: Record<string, unknown> | string, wasm?: Uint8Array, main = "plugin.wasm"): Promise<void> {
  await writeFile(join(dir, "plugin.json"), typeof manifest === "string" ? manifest : `${JSON.stringify(manifest, null, 2)}\n`);
  if (wasm !== undefined) await writeFile(join(dir, main), wasm);
}

/** The plugin.json of the {@link pluginWat} fixture. */
export function fixtureManifest(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, version: "1.0.0", description: "A test fixture.", main: "plugin.wasm", ...extra };
}
