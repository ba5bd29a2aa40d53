;; Whether a run of bytes holds a bare line ending: an LF without a CR right before it, or a CR
;; without an LF right after it. Sixteen bytes are compared at a time (SIMD), which is what makes
;; it worth a module: a message body is megabytes of text with a line ending every 80 bytes, and
;; JavaScript can only hop from one line ending to the next.
;;
;; The four 16-byte steps of a block are written out rather than called: engines that do not
;; inline WebAssembly calls (Node.js 20) took 2.5 times as long with a helper function.
;;
;; The caller copies the bytes to [16, 16 + length), the byte before them to 15 and, from
;; 16 + length, the byte after them followed by 64 zero bytes: the loop reads whole 64-byte
;; blocks, so up to 64 bytes past the end, and those must not look like line endings.
(module
  (memory (export "memory") 2)

  (func (export "hasBareLineEnding") (param $length i32) (result i32)
    (local $at i32)
    (local $end i32)
    (local $before i32)
    (local $bytes v128)
    (local $bare v128)
    (local $cr v128)
    (local $lf v128)
    (local.set $cr (v128.const i8x16 13 13 13 13 13 13 13 13 13 13 13 13 13 13 13 13))
    (local.set $lf (v128.const i8x16 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10))
    (local.set $at (i32.const 16))
    (local.set $end (i32.add (i32.const 16) (local.get $length)))
    ;; Any lane that ever holds a bare line ending stays set in $bare: a clean run is the common
    ;; case, so one test after the loop beats a branch per block.
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $before (i32.sub (local.get $at) (i32.const 1)))
        ;; bytes 0..15 of the block: an LF whose byte before is no CR, a CR whose byte after is no LF
        (local.set $bytes (v128.load offset=0 (local.get $at)))
        (local.set $bare (v128.or (local.get $bare) (v128.or
          (v128.andnot (i8x16.eq (local.get $bytes) (local.get $lf))
                       (i8x16.eq (v128.load offset=0 (local.get $before)) (local.get $cr)))
          (v128.andnot (i8x16.eq (local.get $bytes) (local.get $cr))
                       (i8x16.eq (v128.load offset=1 (local.get $at)) (local.get $lf))))))
        ;; bytes 16..31 of the block: an LF whose byte before is no CR, a CR whose byte after is no LF
        (local.set $bytes (v128.load offset=16 (local.get $at)))
        (local.set $bare (v128.or (local.get $bare) (v128.or
          (v128.andnot (i8x16.eq (local.get $bytes) (local.get $lf))
                       (i8x16.eq (v128.load offset=16 (local.get $before)) (local.get $cr)))
          (v128.andnot (i8x16.eq (local.get $bytes) (local.get $cr))
                       (i8x16.eq (v128.load offset=17 (local.get $at)) (local.get $lf))))))
        ;; bytes 32..47 of the block: an LF whose byte before is no CR, a CR whose byte after is no LF
        (local.set $bytes (v128.load offset=32 (local.get $at)))
        (local.set $bare (v128.or (local.get $bare) (v128.or
          (v128.andnot (i8x16.eq (local.get $bytes) (local.get $lf))
                       (i8x16.eq (v128.load offset=32 (local.get $before)) (local.get $cr)))
          (v128.andnot (i8x16.eq (local.get $bytes) (local.get $cr))
                       (i8x16.eq (v128.load offset=33 (local.get $at)) (local.get $lf))))))
        ;; bytes 48..63 of the block: an LF whose byte before is no CR, a CR whose byte after is no LF
        (local.set $bytes (v128.load offset=48 (local.get $at)))
        (local.set $bare (v128.or (local.get $bare) (v128.or
          (v128.andnot (i8x16.eq (local.get $bytes) (local.get $lf))
                       (i8x16.eq (v128.load offset=48 (local.get $before)) (local.get $cr)))
          (v128.andnot (i8x16.eq (local.get $bytes) (local.get $cr))
                       (i8x16.eq (v128.load offset=49 (local.get $at)) (local.get $lf))))))
        (local.set $at (i32.add (local.get $at) (i32.const 64)))
        (br $block)))
    (v128.any_true (local.get $bare)))
)
