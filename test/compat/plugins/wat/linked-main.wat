;; A plain Extism plugin linked with a side module (plugin.json "modules": { "math": ... }):
;; `add` reads two decimal digits from the input and outputs their sum through math.add.
(module
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "math" "add" (func $add (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "add") (result i32)
    (local $sum i32) (local $out i64)
    (local.set $sum
      (call $add
        (i32.sub (call $input_load_u8 (i64.const 0)) (i32.const 48))
        (i32.sub (call $input_load_u8 (i64.const 1)) (i32.const 48))))
    (local.set $out (call $alloc (i64.const 2)))
    (call $store_u8 (local.get $out) (i32.add (i32.const 48) (i32.div_u (local.get $sum) (i32.const 10))))
    (call $store_u8 (i64.add (local.get $out) (i64.const 1)) (i32.add (i32.const 48) (i32.rem_u (local.get $sum) (i32.const 10))))
    (call $output_set (local.get $out) (i64.const 2))
    (i32.const 0)))
