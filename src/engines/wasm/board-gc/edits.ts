/**
 * What the transform changes in the build, as WebAssembly text.
 *
 * 1. `gc_collect` collects, as on a board: gc.c's own `gc_collect_start()` (root pointers and
 *    the Python stack), then the C stack from the current stack pointer to its base (see
 *    cStackScan), then gc.c's own `gc_collect_end()` (sweep). For the C stack to hold every
 *    live pointer, the pointer-sized locals that live across a call are spilled to it
 *    (spill-frames.ts): in WebAssembly, locals are not in memory.
 * 2. JavaScript hears of it: `mpheap.collect_begin` / `collect_end` around each collection,
 *    `alloc_failed(n)` when gc_alloc returns nothing for a non-empty request, and, while the
 *    exported global `mpheap_trace` is non-zero, every gc_alloc, gc_free and gc_realloc.
 * 3. `gc_get_max_new_split()` returns the exported global `mpheap_max_new_split` instead of its
 *    constant 128 MiB: a fixed heap sets it to 0, so gc.mem_free() (which adds it) and mem_info
 *    say what a board whose heap cannot grow says.
 * 4. Where MicroPython would spin forever (nlr_jump_fail, __fatal_error: an exception nothing
 *    can catch, as after heap_lock()), it calls `mpheap.fatal` instead, which stops the engine
 *    and says why; a board hangs there until it is reset.
 * 5. One upstream bug is mended: with split heaps, gc.c frees an added heap area whose only live
 *    block is its block 0, because it tests `last_used_block == 0`. Found by this transform's
 *    torture test (an object in a freed area is handed out again). The test here also asks
 *    that block 0 is free. Only growable heaps have added areas; a fixed heap is one area.
 */
import type { GcLocations } from './locate.js';
import type { WatText } from './wat-text.js';

/** The JavaScript functions the transformed build imports, module `mpheap`. */
export const HOOK_IMPORTS = [
  '(import "mpheap" "collect_begin" (func $mpheap_collect_begin))',
  '(import "mpheap" "collect_end" (func $mpheap_collect_end))',
  '(import "mpheap" "alloc_failed" (func $mpheap_alloc_failed (param i32)))',
  '(import "mpheap" "alloc" (func $mpheap_alloc (param i32 i32)))',
  '(import "mpheap" "free" (func $mpheap_free (param i32)))',
  '(import "mpheap" "realloc" (func $mpheap_realloc (param i32 i32 i32)))',
  '(import "mpheap" "fatal" (func $mpheap_fatal (param i32)))',
];

export const STACK_POINTER = '$__stack_pointer';

export function applyBoardGcEdits(wat: WatText, at: GcLocations): void {
  // binaryen's spill-pointers pass finds the stack pointer by this name.
  if (at.stackPointer !== STACK_POINTER) wat.rename(at.stackPointer, STACK_POINTER);

  wat.addImports(HOOK_IMPORTS);
  wat.addGlobals([
    '(global $mpheap_scan_start (mut i32) (i32.const 0))',
    '(global $mpheap_scan_end (mut i32) (i32.const 0))',
    '(global $mpheap_trace (mut i32) (i32.const 0))',
    '(global $mpheap_max_new_split (mut i32) (i32.const 134217728))',
  ]);
  wat.addExport('(export "mpheap_trace" (global $mpheap_trace))');
  wat.addExport('(export "mpheap_max_new_split" (global $mpheap_max_new_split))');
  wat.replaceFunction(
    at.maxNewSplit,
    ` (func ${at.maxNewSplit} (result i32)\n  (global.get $mpheap_max_new_split)\n )`,
  );

  wat.replaceFunction(
    at.gcCollect,
    [
      ` (func ${at.gcCollect}`,
      '  (call $mpheap_collect_begin)',
      `  (call ${at.gcCollectStart})`,
      `  (global.set $mpheap_scan_start (global.get ${STACK_POINTER}))`,
      `  (global.set $mpheap_scan_end (call ${at.stackBase}))`,
      '  (call $mpheap_collect_root_range)',
      `  (call ${at.gcCollectEnd})`,
      '  (call $mpheap_collect_end)',
      ' )',
    ].join('\n'),
  );

  wat.appendFunctions(cStackScan(at));

  wrap(wat, at.gcAlloc, '$mpheap_gc_alloc_inner', [
    ' (func GC_ALLOC (param $0 i32) (param $1 i32) (result i32)',
    '  (local $2 i32)',
    '  (local.set $2 (call $mpheap_gc_alloc_inner (local.get $0) (local.get $1)))',
    '  (if (i32.and (i32.eqz (local.get $2)) (i32.ne (local.get $0) (i32.const 0)))',
    '   (then (call $mpheap_alloc_failed (local.get $0))))',
    '  (if (global.get $mpheap_trace) (then (call $mpheap_alloc (local.get $2) (local.get $0))))',
    '  (local.get $2)',
    ' )',
  ]);
  // Told before the blocks are freed, so JavaScript can still read how many there were.
  wrap(wat, at.gcFree, '$mpheap_gc_free_inner', [
    ' (func GC_FREE (param $0 i32)',
    '  (if (global.get $mpheap_trace) (then (call $mpheap_free (local.get $0))))',
    '  (call $mpheap_gc_free_inner (local.get $0))',
    ' )',
  ]);
  wrap(wat, at.gcRealloc, '$mpheap_gc_realloc_inner', [
    ' (func GC_REALLOC (param $0 i32) (param $1 i32) (param $2 i32) (result i32)',
    '  (local $3 i32)',
    '  (local.set $3 (call $mpheap_gc_realloc_inner (local.get $0) (local.get $1) (local.get $2)))',
    '  (if (global.get $mpheap_trace) (then (call $mpheap_realloc (local.get $0) (local.get $1) (local.get $3))))',
    '  (local.get $3)',
    ' )',
  ]);

  for (const spin of at.spinForever)
    wat.replaceFunction(
      spin,
      ` (func ${spin} (param $0 i32)\n  (call $mpheap_fatal (local.get $0))\n  (unreachable)\n )`,
    );

  const end = wat.func(at.gcCollectEnd);
  const area = at.emptyAreaTest.areaLocal;
  const test = at.emptyAreaTest.test;
  const mended =
    `(i32.and ${test} (i32.eqz (i32.and (i32.load8_u (i32.load offset=${at.area.allocTable} ` +
    `(local.get ${area}))) (i32.const 3))))`;
  const i = end.text.lastIndexOf(test, end.text.indexOf(`(call ${at.free}`));
  wat.replaceFunction(at.gcCollectEnd, end.text.slice(0, i) + mended + end.text.slice(i + test.length));
}

/**
 * The C stack scan: gc_collect_root over [$mpheap_scan_start, $mpheap_scan_end), word by word,
 * with one difference from gc.c's. gc.c marks an object only from a pointer to its first block;
 * here a word pointing anywhere inside an object keeps it, found by walking back over the
 * object's tail blocks to its head. Why: once a C function needs only `&obj->field`, LLVM keeps
 * just that derived pointer live, so on this build it can be the only trace of `obj` on the C
 * stack (the torture test caught `re.sub` losing its compiled pattern so), where a board's
 * compiler keeps the object pointer itself in a register. So the scan is as conservative as a
 * board's register scan in effect. The Python stack and the root pointers are scanned by
 * gc_collect_start itself, unchanged.
 *
 * Area fields: next, alloc_table_start, pool_start, pool_end (offsets from locate.ts); the
 * allocation table holds 2 bits per block, 0 free, 1 head, 2 tail, 3 marked.
 */
function cStackScan(at: GcLocations): string {
  const a = at.area;
  return `
 (func $mpheap_collect_root_range
  (local $p i32) (local $w i32) (local $area i32) (local $block i32) (local $atb i32) (local $shift i32) (local $kind i32)
  (local.set $p (global.get $mpheap_scan_start))
  (block $done
   (loop $words
    (br_if $done (i32.ge_u (local.get $p) (global.get $mpheap_scan_end)))
    (local.set $w (i32.load (local.get $p)))
    (local.set $p (i32.add (local.get $p) (i32.const 4)))
    (local.set $area (i32.const ${at.areaList}))
    (block $next
     (block $found
      (loop $areas
       (br_if $found (i32.and
        (i32.ge_u (local.get $w) (i32.load offset=${a.poolStart} (local.get $area)))
        (i32.lt_u (local.get $w) (i32.load offset=${a.poolEnd} (local.get $area)))))
       (local.set $area (i32.load offset=${a.next} (local.get $area)))
       (br_if $areas (local.get $area))
       (br $next)))
     (local.set $block (i32.shr_u (i32.sub (local.get $w) (i32.load offset=${a.poolStart} (local.get $area))) (i32.const 4)))
     (loop $back
      (local.set $atb (i32.add (i32.load offset=${a.allocTable} (local.get $area)) (i32.shr_u (local.get $block) (i32.const 2))))
      (local.set $shift (i32.shl (i32.and (local.get $block) (i32.const 3)) (i32.const 1)))
      (local.set $kind (i32.and (i32.shr_u (i32.load8_u (local.get $atb)) (local.get $shift)) (i32.const 3)))
      (if (i32.and (i32.eq (local.get $kind) (i32.const 2)) (i32.ne (local.get $block) (i32.const 0)))
       (then (local.set $block (i32.sub (local.get $block) (i32.const 1))) (br $back))))
     (br_if $next (i32.ne (local.get $kind) (i32.const 1)))
     (i32.store8 (local.get $atb) (i32.or (i32.load8_u (local.get $atb)) (i32.shl (i32.const 3) (local.get $shift))))
     (call ${at.gcMarkSubtree} (local.get $area) (local.get $block)))
    (br $words)))
 )`;
}

/**
 * Puts a wrapper in front of a function: the original keeps its code under a new name, the
 * wrapper takes its name, so every call (and table entry) goes through the wrapper.
 */
function wrap(wat: WatText, name: string, innerName: string, wrapper: string[]): void {
  const original = wat.func(name);
  const inner = original.text.replace(/^ \(func \S+/, ` (func ${innerName}`);
  wat.replaceFunction(name, `${wrapper.join('\n').replace(/^ \(func [A-Z_]+/, ` (func ${name}`)}\n${inner}`);
}
