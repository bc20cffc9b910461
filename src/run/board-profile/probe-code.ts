/**
 * The Python mpheap sends to a board to profile a script by probes (./instrument.ts puts the
 * calls in). Everything here runs on MicroPython 1.9 (the micro:bit's firmware): no f-strings,
 * `__import__` so that no name but the probe's lands in the script's globals.
 *
 * The probe, `_mph(N)`, is called before each statement with the slot N of its line. It reads
 * `gc.mem_alloc()` and files the change since the previous probe under the previous probe's
 * slot, in one preallocated `array('i')` (a list where the firmware has no `array` module: storing
 * a small int into either allocates nothing): reading the counter and small-int arithmetic
 * allocate nothing either, and its frame (6 locals, at most 4 stack slots: 10 words) is
 * small enough that MicroPython keeps it on the C stack (more than 11 words go on the heap), so a
 * probe takes no heap at all; the test suite checks this on the emulated micro:bit.
 *
 * An interval with a garbage collection in it says nothing about the statement (what the
 * collection freed is subtracted), so it is left out, and counted. Collections are seen by a
 * canary: a one-block tuple nothing refers to, whose allocation-table entry the probe reads with
 * `machine.mem16` (the table's address is found once, by ./atb.ts). Any collection frees it, so
 * when its entry is no longer a head (or the block holds something else: freed and taken again),
 * there was a collection since the last probe; the probe then makes a new one. Without
 * `machine`, or when the table cannot be found, a drop of `gc.mem_alloc()` is taken as a
 * collection instead (a collection that frees less than the statement allocated goes unseen).
 */
import { indentCode } from '../../engines/python/scan.js';
import { PROBE_NAME } from './instrument.js';

/** The table's header (ints before the slots); the slots follow, SLOT_WIDTH ints each. */
export const HEADER = {
  /** gc.mem_alloc() after the last probe. */
  alloc: 0,
  /** The last probe's slot. */
  last: 1,
  counted: 2,
  leftOut: 3,
  /** The canary: mem16 address of its allocation-table halfword (0: no canary now), bit shift in it. */
  canaryAtb: 4,
  canaryShift: 5,
  /** The canary: mem16 address of its first item, and what was there when it was made. */
  canaryItem: 6,
  canaryExpect: 7,
  atbStart: 8,
  /**
   * Minus the pool's start address: stored as it is, it would be the address of the pool's first
   * block, which the conservative collector would take for a pointer keeping that block alive.
   */
  minusPoolStart: 9,
  poolBytes: 10,
  blockSize: 11,
  /** Bytes from an object's address to a tuple's first item (two words). */
  itemOffset: 12,
  /** 0: no canary (drops of mem_alloc tell collections); 1: canary kept; 2: given up (outside the first area). */
  canaryState: 13,
  /** The most gc.mem_alloc() any probe read. */
  peak: 14,
  /** Canaries made (one, plus one after each collection seen). */
  canaries: 15,
  /** Intervals judged by a drop of mem_alloc although a canary was wanted (no free block to make one). */
  unwatched: 16,
} as const;
export const HEADER_INTS = 20;
/** Per slot: net bytes, intervals counted, of them those that took heap, intervals left out. */
export const SLOT_WIDTH = 4;

/** A first item no script is likely to put in a one-block tuple at the same address. */
const CANARY_ITEM = 0x15a5a5a;

/** Output lines of mpheap's own execs start with this. */
export const PROBE_MARKER = '#mpheap-probe';
/** What the probe prints before its table. */
export const TABLE_MARKER = `${PROBE_MARKER} table `;

/** Collects, prints gc.mem_alloc() and the heap map (for the pool's address and size). */
export const MEASURE_CODE = [
  "__import__('gc').collect()",
  `print('${PROBE_MARKER} alloc', __import__('gc').mem_alloc())`,
  "__import__('micropython').mem_info(1)",
  '',
].join('\n');

/**
 * The heap map and, read straight after it with nothing allocated in between, `count` bytes of
 * RAM from `address` (before the pool, where gc.c keeps its allocation table).
 */
export function windowCode(address: number, count: number): string {
  return [
    'def _mphk(a, n):',
    "    __import__('micropython').mem_info(1)",
    "    m = __import__('machine').mem8",
    `    print('${PROBE_MARKER} window', a)`,
    '    for i in range(n):',
    "        print(m[a + i], end=' ')",
    '    print()',
    `_mphk(${address}, ${count})`,
    'del _mphk',
    '',
  ].join('\n');
}

export interface ProbeSetup {
  slots: number;
  /** Where the allocation table starts (0: not found; collections are then told by drops). */
  atbStart: number;
  poolStart: number;
  poolBytes: number;
  blockSize: number;
  wordSize: number;
}

/**
 * Defines the probe as the global `_mph`, with its table, and starts counting from now.
 *
 * The text is compact on purpose: the raw REPL reads each exec into a buffer on the heap that
 * only grows while the session lasts (by doubling), so a long setup would keep that much of a
 * small board's heap through the run. In words, the probe `f(i)`:
 *   - `i < 0`: prints the table (as the script ends);
 *   - d = mem_alloc() now minus at the last probe; j = the last probe's slot in the table;
 *   - a collection since then (the canary's table entry no longer a head, or its block holding
 *     something else; without a canary: d < 0) leaves the interval out (d = None): counted in the
 *     header and the slot;
 *   - else d is added to the slot's bytes, its intervals, its intervals that took heap (d > 0),
 *     and the peak;
 *   - with a canary wanted and none alive: a new one-block tuple, where a free block makes sure
 *     it cannot make the heap collect; its allocation-table halfword (mem16 needs an even
 *     address) and its first item's halfword are remembered; outside the first area, given up.
 */
export function setupCode(p: ProbeSetup): string {
  const H = HEADER;
  const W = SLOT_WIDTH;
  const s = (k: number) => `s[${k}]`;
  return [
    'def _mphs(n,a,p,t,b,o):',
    " g=__import__('gc')",
    ' h=None',
    ' if a:',
    "  try:h=__import__('machine').mem16",
    '  except Exception:a=0',
    ` try:s=__import__('array').array('i',bytearray(4*(${HEADER_INTS}+${W}*n)))`,
    ` except ImportError:s=[0]*(${HEADER_INTS}+${W}*n)`,
    ` ${s(H.atbStart)}=a;${s(H.minusPoolStart)}=-p;${s(H.poolBytes)}=t;${s(H.blockSize)}=b;${s(H.itemOffset)}=o;${s(H.canaryState)}=1 if a else 0`,
    ' def f(i,s=s,m=g.mem_alloc,h=h):',
    '  if i<0:',
    `   print('${PROBE_MARKER} table',s);return`,
    `  d=m()-${s(H.alloc)};j=${HEADER_INTS}+${W}*${s(H.last)};${s(H.last)}=i`,
    `  if ${s(H.canaryAtb)}:`,
    `   if h[${s(H.canaryAtb)}]>>${s(H.canaryShift)}&3!=1 or h[${s(H.canaryItem)}]!=${s(H.canaryExpect)}:d=None`,
    '  else:',
    `   if ${s(H.canaryState)}==1 and j>${HEADER_INTS}:${s(H.unwatched)}+=1`,
    '   if d<0:d=None',
    `  if d is None:${s(H.leftOut)}+=1;s[j+3]+=1`,
    '  else:',
    `   ${s(H.alloc)}+=d;${s(H.counted)}+=1;s[j]+=d;s[j+1]+=1`,
    '   if d>0:s[j+2]+=1',
    `   if j>${HEADER_INTS} and ${s(H.alloc)}>${s(H.peak)}:${s(H.peak)}=${s(H.alloc)}`,
    `  if ${s(H.canaryState)}==1 and(d is None or not ${s(H.canaryAtb)}):`,
    `   ${s(H.canaryAtb)}=0`,
    `   if ${s(H.poolBytes)}-m()>=${s(H.blockSize)}:`,
    `    d=(${CANARY_ITEM},i);j=id(d)+${s(H.minusPoolStart)}`,
    `    if 0<=j<${s(H.poolBytes)}:`,
    `     ${s(H.canaries)}+=1;${s(H.canaryItem)}=id(d)+${s(H.itemOffset)};${s(H.canaryExpect)}=h[${s(H.canaryItem)}]`,
    `     j//=${s(H.blockSize)};${s(H.canaryShift)}=2*(j&3);j=${s(H.atbStart)}+(j>>2)`,
    `     if j&1:j-=1;${s(H.canaryShift)}+=8`,
    `     ${s(H.canaryAtb)}=j`,
    `    else:${s(H.canaryState)}=2`,
    '    d=None',
    `   ${s(H.alloc)}=m()`,
    `  elif d is None:${s(H.alloc)}=m()`,
    ` ${s(H.alloc)}=g.mem_alloc()`,
    ' return f',
    `${PROBE_NAME}=_mphs(${p.slots},${p.atbStart},${p.poolStart},${p.poolBytes},${p.blockSize},${2 * p.wordSize})`,
    'del _mphs',
    '',
  ].join('\n');
}

/** The probe tried once set up: two calls (outside the script) around a collection, then its table. */
export const TRIAL_CODE = `${PROBE_NAME}(0)\n__import__('gc').collect()\n${PROBE_NAME}(0)\n${PROBE_NAME}(-1)\n`;

/** Prints the probe's table and removes the probe from the board's globals. */
export const RESULTS_CODE = `${PROBE_NAME}(-1)\ndel ${PROBE_NAME}\n`;
/** Removes the probe from the board's globals (on a heap left full this fails, harmlessly). */
export const CLEANUP_CODE = `del ${PROBE_NAME}\n`;

/**
 * Run however the script ends: closes its last interval (what runs after is mpheap's, slot 0)
 * and prints the table, which no later exec could do on a heap the script left full.
 */
export const CLOSING_CALL = `${PROBE_NAME}(0);${PROBE_NAME}(-1)`;

/**
 * A script compiled but not run (its body inside a function that is never called), then the
 * heap in use: the same for the script and its instrumented copy gives what the probes add to
 * its text and bytecode.
 */
export function codeSizeCode(body: string): string {
  return [
    'def _mphm():',
    ' pass',
    ...indentCode(body, ' '),
    "__import__('gc').collect()",
    `print('${PROBE_MARKER} code', __import__('gc').mem_alloc())`,
    'del _mphm',
    '',
  ].join('\n');
}

/** The value after `#mpheap-probe KEY` in an exec's output, or null. */
export function probeValue(output: string, key: string): number | null {
  const m = new RegExp(`${PROBE_MARKER} ${key} (-?\\d+)`).exec(output);
  return m ? Number(m[1]) : null;
}

/**
 * The probe's table as it prints it: `#mpheap-probe table array('i', [1, 2, ...])`, or a list
 * `[1, 2, ...]` on firmware without the array module.
 */
export function parseTable(output: string): Int32Array | null {
  const at = output.indexOf(TABLE_MARKER);
  const m = /^(?:array\('i'(?:, \[([-\d, ]*)\])?\)|\[([-\d, ]*)\])/.exec(
    at < 0 ? '' : output.slice(at + TABLE_MARKER.length),
  );
  if (!m) return null;
  const body = (m[1] ?? m[2] ?? '').trim();
  return Int32Array.from(body === '' ? [] : body.split(',').map((x) => Number(x.trim())));
}
