;; A plain Extism plugin that reads WASI's clock and random bytes (docs/replay.md "WASI clock and
;; random"). `now` outputs 32 bytes: clock_time_get(realtime) as a little-endian u64, then
;; clock_res_get(monotonic), then 16 bytes of random_get. `ticks` reads the monotonic clock once
;; per byte of its input and outputs the last reading. `_initialize` reads the monotonic clock while
;; the instance starts; `started` outputs that reading and its errno (u64, then u32). `flood` fills
;; the whole page with random bytes once and outputs nothing.
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_res_get" (func $clock_res_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  (func (export "_initialize")
    (i32.store (i32.const 72) (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 64))))
  ;; Outputs `len` bytes of memory from 0.
  (func $output (param $len i32)
    (local $out i64) (local $i i32)
    (local.set $out (call $alloc (i64.extend_i32_u (local.get $len))))
    (block $done
      (loop $copy
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (call $store_u8 (i64.add (local.get $out) (i64.extend_i32_u (local.get $i))) (i32.load8_u (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $copy)))
    (call $output_set (local.get $out) (i64.extend_i32_u (local.get $len))))
  (func (export "now") (result i32)
    (if (call $clock_time_get (i32.const 0) (i64.const 1000) (i32.const 0)) (then (return (i32.const 1))))
    (if (call $clock_res_get (i32.const 1) (i32.const 8)) (then (return (i32.const 2))))
    (if (call $random_get (i32.const 16) (i32.const 16)) (then (return (i32.const 3))))
    (call $output (i32.const 32))
    (i32.const 0))
  (func (export "started") (result i32)
    (local $i i32)
    (loop $copy
      (i32.store8 (local.get $i) (i32.load8_u (i32.add (i32.const 64) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $copy (i32.lt_u (local.get $i) (i32.const 12))))
    (call $output (i32.const 12))
    (i32.const 0))
  (func (export "flood") (result i32)
    (call $random_get (i32.const 0) (i32.const 65536)))
  (func (export "ticks") (result i32)
    (local $n i64)
    (local.set $n (call $input_length))
    (block $done
      (loop $read
        (br_if $done (i64.eqz (local.get $n)))
        (if (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 0)) (then (return (i32.const 1))))
        (local.set $n (i64.sub (local.get $n) (i64.const 1)))
        (br $read)))
    (call $output (i32.const 8))
    (i32.const 0)))
