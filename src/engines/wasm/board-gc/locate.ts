/**
 * Finding py/gc.c's functions in the official WebAssembly build, which carries no names.
 *
 * Every finder looks for one shape of code that follows from gc.c and the webassembly port's
 * main.c as they are compiled in MicroPython 1.27 (the comments quote the C each shape comes
 * from), requires exactly one match, and otherwise throws a `PatternMissing` that names what it
 * looked for. A build that differs (another package version) is then refused with that reason
 * instead of being transformed wrongly.
 */
import { escapeName, flat, type WatFunction, type WatText } from './wat-text.js';

export class PatternMissing extends Error {
  constructor(
    readonly what: string,
    why: string,
  ) {
    super(`${what}: ${why}`);
    this.name = 'PatternMissing';
  }
}

/** Where gc.c's parts are in the build: names of its functions, addresses of its state. */
export interface GcLocations {
  /** The C stack pointer global (read by the exported `emscripten_stack_get_current`). */
  stackPointer: string;
  /** `emscripten_stack_get_base`: the top of the C stack, where it starts growing down. */
  stackBase: string;
  /** The C library's `free` (the export). */
  free: string;
  /** `gc_get_max_new_split()`, which in this build returns a constant (128 MiB). */
  maxNewSplit: string;
  /** `gc_collect`, which in this build only sets `gc_collect_pending`. */
  gcCollect: string;
  gcCollectStart: string;
  gcCollectEnd: string;
  gcAlloc: string;
  gcFree: string;
  gcRealloc: string;
  /** `gc_mark_subtree(area, block)`, called for each root that is an unmarked head. */
  gcMarkSubtree: string;
  /** Address of `MP_STATE_THREAD(gc_lock_depth)` (uint16: 2 per heap_lock(), bit 0 while collecting). */
  gcLockDepth: number;
  /**
   * Functions that spin forever: main.c's nlr_jump_fail() and __fatal_error() are `while (1);`
   * (an exception with no handler, e.g. raised while the heap is locked).
   */
  spinForever: string[];
  /** Address of `MP_STATE_MEM(area)`, the first heap area (a linked list with split heaps). */
  areaList: number;
  /** Field offsets in `mp_state_mem_area_t`. */
  area: { next: number; allocTable: number; poolStart: number; poolEnd: number };
  /** The statement in gc_collect_end's sweep that decides to free an empty area. */
  emptyAreaTest: EmptyAreaTest;
}

export interface EmptyAreaTest {
  /** `(i32.eqz (local.get $N))`: last_used_block == 0. */
  test: string;
  /** The local holding the area being swept. */
  areaLocal: string;
}

export function locateGc(wat: WatText): GcLocations {
  const funcs = wat.functions();
  const byName = new Map(funcs.map((f) => [f.name, f]));
  const get = (name: string, what: string): WatFunction => {
    const f = byName.get(name);
    if (!f) throw new PatternMissing(what, `no function ${name}`);
    return f;
  };
  const exported = (name: string): string => {
    const f = wat.exportedFunction(name);
    if (!f) throw new PatternMissing(name, 'the build does not export it');
    return f;
  };

  // emscripten_stack_get_current(): `return __stack_pointer;`
  const current = get(exported('emscripten_stack_get_current'), 'the stack pointer');
  const sp = /^\(func \S+ \(result i32\) \(global\.get (\$[^\s)]+)\)\)$/.exec(flat(current.text));
  if (!sp)
    throw new PatternMissing('the stack pointer', 'emscripten_stack_get_current is not one global.get');

  // main.c: size_t gc_get_max_new_split(void) { return 128 * 1024 * 1024; }
  const maxNewSplit = only(
    funcs.filter((f) => /^\(func \S+ \(result i32\) \(i32\.const 134217728\)\)$/.test(flat(f.text))),
    'gc_get_max_new_split',
    'no function returns 128 MiB',
  );

  // main.c (MICROPY_GC_SPLIT_HEAP_AUTO): void gc_collect(void) { gc_collect_pending = true; }
  const collect = only(
    funcs.flatMap((f) => {
      const m = /^\(func (\S+) \(i32\.store8 offset=(\d+) \(i32\.const 0\) \(i32\.const 1\)\)\)$/.exec(
        flat(f.text),
      );
      return m ? [{ name: m[1], flag: Number(m[2]) }] : [];
    }),
    'gc_collect',
    'no function that only sets a flag byte to 1',
  );

  // main.c: external_call_depth_dec() → gc_collect_top_level():
  //   if (gc_collect_pending) { gc_collect_pending = false; gc_collect_start(); gc_collect_end(); }
  const topLevel = new RegExp(
    `\\(i32\\.store8 offset=${collect.flag} \\(i32\\.const 0\\) \\(i32\\.const 0\\)\\) \\(call (\\$[^\\s)]+)\\) \\(call (\\$[^\\s)]+)\\)\\)`,
  );
  const startEnd = only(
    funcs.flatMap((f) => {
      const m = topLevel.exec(flat(f.text));
      return m ? [{ start: m[1], end: m[2] }] : [];
    }),
    'gc_collect_start and gc_collect_end',
    'no function clears the pending flag and then makes two calls',
  );
  const start = get(startEnd.start, 'gc_collect_start');
  const end = get(startEnd.end, 'gc_collect_end');

  // The Python-stack scan shows how gc.c reads an area and whom it calls for each root.
  // gc_collect_start(): MP_STATE_THREAD(gc_lock_depth) |= GC_COLLECT_FLAG;
  const lock =
    /\(i32\.store16 offset=(\d+) \(i32\.const (\d+)\) \(i32\.or \(i32\.load16_u offset=\1 \(i32\.const \2\)\) \(i32\.const 1\)\)\)/.exec(
      flat(start.text),
    );
  if (!lock) throw new PatternMissing('gc_lock_depth', 'gc_collect_start does not set its collecting flag');
  const spinForever = funcs
    .filter((f) => /^\(func \S+ \(param \$0 i32\) \(loop (\$\S+) \(br \1\)\)\)$/.test(flat(f.text)))
    .map((f) => f.name);
  const pystackScan = findPystackScan(start);
  const markSubtree = only(
    [...new Set([...pystackScan.matchAll(/\(call (\$[^\s)]+)/g)].map((m) => m[1]))],
    'gc_mark_subtree',
    'the Python-stack scan does not call exactly one function',
  );
  // `&MP_STATE_MEM(area)` is computed once as a constant sum in the scan.
  const areaAt = /\(local\.set \$\d+ \(i32\.add \(i32\.const (\d+)\) \(i32\.const (\d+)\)\)\)/.exec(
    flat(pystackScan),
  );
  if (!areaAt) throw new PatternMissing('MP_STATE_MEM(area)', 'the scan does not start from a constant area');
  // VERIFY_PTR / BLOCK_FROM_PTR / ATB_GET_KIND read these fields of the area.
  const fields =
    /\(i32\.load offset=(\d+) \(local\.get (\$\d+)\)\).*?\(i32\.load offset=(\d+) \(local\.get \2\)\).*?\(i32\.load \(local\.get \2\)\)/.exec(
      flat(pystackScan),
    );
  const atb = /\(i32\.add \(i32\.load offset=(\d+) \(local\.get \$\d+\)\) \(i32\.shr_u/.exec(
    flat(pystackScan),
  );
  if (!fields || !atb) throw new PatternMissing('the heap area fields', 'the scan reads them in another way');

  // The one (size_t n_bytes, unsigned alloc_flags) -> void* function that collects: gc_alloc.
  const alloc = only(
    funcs.filter(
      (f) =>
        /\(param \$0 i32\) \(param \$1 i32\) \(result i32\)$/.test(f.header) &&
        new RegExp(`\\(call ${escapeName(collect.name)}\\)`).test(f.text),
    ),
    'gc_alloc',
    'no (i32, i32) -> i32 function calls gc_collect',
  );
  // gc_realloc(ptr, n_bytes, allow_move) moves by gc_alloc + memcpy + gc_free.
  const realloc = only(
    funcs.filter(
      (f) =>
        /\(param \$0 i32\) \(param \$1 i32\) \(param \$2 i32\) \(result i32\)$/.test(f.header) &&
        new RegExp(`\\(call ${escapeName(alloc.name)}\\n`).test(f.text),
    ),
    'gc_realloc',
    'no (i32, i32, i32) -> i32 function calls gc_alloc',
  );
  const gcFree = only(
    [...new Set([...realloc.text.matchAll(/\(call (\$[^\s)]+)/g)].map((m) => m[1]))].filter(
      (name) =>
        name !== alloc.name && /^\(func \S+ \(param \$0 i32\)$/.test(byName.get(name)?.header.trim() ?? ''),
    ),
    'gc_free',
    'gc_realloc does not call exactly one (i32) -> void function',
  );

  const free = exported('free');
  return {
    stackPointer: sp[1],
    stackBase: exported('emscripten_stack_get_base'),
    free,
    maxNewSplit: maxNewSplit.name,
    gcCollect: collect.name,
    gcCollectStart: start.name,
    gcCollectEnd: end.name,
    gcAlloc: alloc.name,
    gcFree,
    gcRealloc: realloc.name,
    gcMarkSubtree: markSubtree,
    gcLockDepth: Number(lock[1]) + Number(lock[2]),
    spinForever,
    areaList: Number(areaAt[1]) + Number(areaAt[2]),
    area: { next: 0, allocTable: Number(atb[1]), poolStart: Number(fields[1]), poolEnd: Number(fields[3]) },
    emptyAreaTest: findEmptyAreaTest(end, free),
  };
}

/**
 * gc.c, gc_collect_start():
 *   ptrs = (void **)(void *)MP_STATE_THREAD(pystack_start);
 *   gc_collect_root(ptrs, (MP_STATE_THREAD(pystack_cur) - MP_STATE_THREAD(pystack_start)) / sizeof(void *));
 * gc_collect_root is inlined: the scan is the function's last top-level block, which starts by
 * subtracting the two loads.
 */
function findPystackScan(start: WatFunction): string {
  const at = start.text.lastIndexOf('\n  (block ');
  if (at < 0) throw new PatternMissing('the Python-stack scan', 'gc_collect_start has no top-level block');
  const block = start.text.slice(at + 1, start.text.lastIndexOf('\n )'));
  const loads = [...block.matchAll(/\(i32\.load offset=(\d+)\n\s+\(i32\.const (\d+)\)\n\s+\)/g)];
  const bounds =
    /\(i32\.sub \(i32\.load offset=(\d+) \(i32\.const (\d+)\)\) \(local\.tee \$\d+ \(i32\.load offset=\1 \(i32\.const (\d+)\)\)\)\)/.exec(
      flat(block),
    );
  if (!bounds || loads.length !== 2)
    throw new PatternMissing('the Python-stack scan', 'it does not start with pystack_cur - pystack_start');
  return block;
}

/**
 * gc.c, gc_sweep_free_blocks() with MICROPY_GC_SPLIT_HEAP_AUTO:
 *   area->gc_last_used_block = last_used_block;
 *   if (last_used_block == 0 && prev_area != NULL) { NEXT_AREA(prev_area) = NEXT_AREA(area); MP_PLAT_FREE_HEAP(area); … }
 * Compiled: the test is the last `(i32.eqz (local.get $N))` before the call to free(area).
 */
function findEmptyAreaTest(end: WatFunction, free: string): EmptyAreaTest {
  const calls = [
    ...end.text.matchAll(new RegExp(`\\(call ${escapeName(free)}\\n\\s+\\(local\\.get (\\$\\d+)\\)`, 'g')),
  ];
  if (calls.length !== 1)
    throw new PatternMissing(
      'the empty-area test of the sweep',
      `gc_collect_end calls free ${calls.length} times`,
    );
  const before = end.text.slice(0, calls[0].index);
  const tests = [...before.matchAll(/\(i32\.eqz\n\s+\(local\.get (\$\d+)\)\n\s+\)/g)];
  const test = tests[tests.length - 1];
  const stored =
    test &&
    new RegExp(
      `\\(i32\\.store offset=\\d+ \\(local\\.get ${escapeName(calls[0][1])}\\) \\(local\\.get ${escapeName(test[1])}\\)\\)`,
    ).test(flat(before));
  if (!test || !stored)
    throw new PatternMissing(
      'the empty-area test of the sweep',
      'no last_used_block == 0 test before free(area)',
    );
  return { test: test[0], areaLocal: calls[0][1] };
}

function only<T>(items: T[], what: string, whyNone: string): T {
  if (items.length === 1) return items[0];
  throw new PatternMissing(
    what,
    items.length === 0 ? whyNone : `${items.length} candidates where one was expected`,
  );
}
