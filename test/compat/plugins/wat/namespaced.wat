;; A plain Extism plugin importing host functions from a namespace of the embedder's own
;; ("acme:tools" "double", i32 -> i32) and one from extism:host/user taking two i64 arguments
;; ("sum2"); `run` outputs one byte: double(20) + sum2(1, 1).
(module
  (import "acme:tools" "double" (func $double (param i32) (result i32)))
  (import "extism:host/user" "sum2" (func $sum2 (param i64 i64) (result i64)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  (func (export "run") (result i32)
    (local $out i64)
    (local.set $out (call $alloc (i64.const 1)))
    (call $store_u8 (local.get $out)
      (i32.add (call $double (i32.const 20)) (i32.wrap_i64 (call $sum2 (i64.const 1) (i64.const 1)))))
    (call $output_set (local.get $out) (i64.const 1))
    (i32.const 0)))
