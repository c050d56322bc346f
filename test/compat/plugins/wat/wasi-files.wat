;; A plain Extism plugin using WASI files under the first preopened directory (fd 3). The input is
;; a path relative to it. Each export outputs what happened: the file's text, "done", or
;; "errno NN" (the WASI errno of the first step that failed; 69 is EROFS, 76 ENOTCAPABLE).
;;   read   - opens the file read-only and outputs its first 1024 bytes
;;   create - opens with O_CREAT|O_TRUNC and write rights
;;   write  - opens the existing file with write rights, then writes "x" to it
;;   mkdir  - path_create_directory
;;   unlink - path_unlink_file
(module
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func $unlink (param i32 i32 i32) (result i32)))
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  ;; 0..: "errno NN" text; 16: "done"; 1024: fd out; 1032: iovec; 1040: count; 1048: "x"; 2048: path; 4096: file text
  (data (i32.const 0) "errno ")
  (data (i32.const 16) "done")
  (data (i32.const 1048) "x")
  (func (export "_initialize"))

  ;; Outputs `len` bytes of memory at `ptr`.
  (func $output (param $ptr i32) (param $len i32)
    (local $h i64) (local $i i32)
    (local.set $h (call $alloc (i64.extend_i32_u (local.get $len))))
    (block $done (loop $copy
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (call $store_u8 (i64.add (local.get $h) (i64.extend_i32_u (local.get $i))) (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $copy)))
    (call $output_set (local.get $h) (i64.extend_i32_u (local.get $len))))

  ;; Outputs "errno NN".
  (func $errno (param $n i32) (result i32)
    (i32.store8 (i32.const 6) (i32.add (i32.const 48) (i32.div_u (local.get $n) (i32.const 10))))
    (i32.store8 (i32.const 7) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
    (call $output (i32.const 0) (i32.const 8))
    (i32.const 0))

  (func $done (result i32) (call $output (i32.const 16) (i32.const 4)) (i32.const 0))

  ;; Copies the input (the path) to 2048; returns its length.
  (func $path (result i32)
    (local $len i32) (local $i i32)
    (local.set $len (i32.wrap_i64 (call $input_length)))
    (block $done (loop $copy
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (i32.store8 (i32.add (i32.const 2048) (local.get $i)) (call $input_load_u8 (i64.extend_i32_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $copy)))
    (local.get $len))

  ;; path_open under fd 3 with oflags and rights; the fd lands at 1024.
  (func $open (param $oflags i32) (param $rights i64) (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 2048) (call $path) (local.get $oflags) (local.get $rights) (i64.const 0) (i32.const 0) (i32.const 1024)))

  (func (export "read") (result i32)
    (local $e i32)
    (local.set $e (call $open (i32.const 0) (i64.const 2)))
    (if (local.get $e) (then (return (call $errno (local.get $e)))))
    (i32.store (i32.const 1032) (i32.const 4096))
    (i32.store (i32.const 1036) (i32.const 1024))
    (local.set $e (call $fd_read (i32.load (i32.const 1024)) (i32.const 1032) (i32.const 1) (i32.const 1040)))
    (drop (call $fd_close (i32.load (i32.const 1024))))
    (if (local.get $e) (then (return (call $errno (local.get $e)))))
    (call $output (i32.const 4096) (i32.load (i32.const 1040)))
    (i32.const 0))

  (func (export "create") (result i32)
    (local $e i32)
    (local.set $e (call $open (i32.const 9) (i64.const 66)))
    (if (local.get $e) (then (return (call $errno (local.get $e)))))
    (drop (call $fd_close (i32.load (i32.const 1024))))
    (call $done))

  (func (export "write") (result i32)
    (local $e i32)
    (local.set $e (call $open (i32.const 0) (i64.const 66)))
    (if (local.get $e) (then (return (call $errno (local.get $e)))))
    (i32.store (i32.const 1032) (i32.const 1048))
    (i32.store (i32.const 1036) (i32.const 1))
    (local.set $e (call $fd_write (i32.load (i32.const 1024)) (i32.const 1032) (i32.const 1) (i32.const 1040)))
    (drop (call $fd_close (i32.load (i32.const 1024))))
    (if (local.get $e) (then (return (call $errno (local.get $e)))))
    (call $done))

  (func (export "mkdir") (result i32)
    (local $e i32)
    (local.set $e (call $mkdir (i32.const 3) (i32.const 2048) (call $path)))
    (if (local.get $e) (then (return (call $errno (local.get $e)))))
    (call $done))

  (func (export "unlink") (result i32)
    (local $e i32)
    (local.set $e (call $unlink (i32.const 3) (i32.const 2048) (call $path)))
    (if (local.get $e) (then (return (call $errno (local.get $e)))))
    (call $done))
)
