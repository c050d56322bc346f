;; The side module of linked-main: exports `add`, and counts its own calls in a global
;; (`calls`), so the test can see that one instance serves every call.
(module
  (global $calls (mut i32) (i32.const 0))
  (func (export "add") (param i32 i32) (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    ;; a loop, so the metering rewrite has something to charge
    (local.get 0) (local.get 1) (i32.add)))
