/**
 * The heap profile of a run: which source line made each allocation, with what stack, and how
 * much of it stays. Made by `mpheap run --profile` (run/profile.ts) from an engine that sees every
 * allocation; the terminal, `--json`, the recording, the HTML report and the dashboard read it.
 *
 * Figures are gc.c's: `bytes` is what allocations took from the heap in whole blocks, as
 * `gc.mem_alloc()` counts it: an allocation its blocks, a realloc what it changed by (a list
 * that grows by 16 bytes takes 16, whether gc.c grew it in place or moved it; one that shrinks
 * gives back); `allocations` counts gc_alloc calls (a realloc that moved made one). Frees and
 * collections are not subtracted: they are what `aliveAtEnd` and the snapshots say. An allocation is the script's when a line of the script is on its stack;
 * it is filed under the innermost such line, and under the functions of the script's frames.
 * What no script line made is shown apart, by whose it is (see ProfileOwner).
 */

/**
 * Whose an allocation is:
 *   script    a line of the user's script made it (directly, or through a C builtin)
 *   compile   compiling the script (its bytecode and constants live as long as its functions)
 *   shims     the board shims (engines/shims/), called from a script line; a board's C
 *             modules allocate differently, so it is not the script's own use
 *   mpheap    mpheap's own code: its snapshots, its helper module, its guard
 */
export type ProfileOwner = 'script' | 'compile' | 'shims' | 'mpheap';

export interface ProfileFrame {
  /** The script's name, or a module's (`machine`, `asyncio`), or `<code>` when unknown. */
  file: string;
  line: number;
  /** The enclosing function (`parse`, `Sensor.read`), `<module>` at top level. */
  function: string;
}

/** One call stack that allocated: frames outermost first, as indexes into HeapProfile.frames. */
export interface ProfileStack {
  frames: number[];
  owner: ProfileOwner;
  /** The innermost frame that is the script's (index into frames), or null. */
  scriptFrame: number | null;
  allocations: number;
  bytes: number;
  /** Allocations of this stack still reachable at the end (after a final collection). */
  aliveAtEnd: number;
  aliveBytesAtEnd: number;
}

/** Totals of one source line of the script (allocations it made itself or through builtins). */
export interface ProfileLine {
  file: string;
  line: number;
  function: string;
  allocations: number;
  bytes: number;
  aliveAtEnd: number;
  aliveBytesAtEnd: number;
  /** Alive at the fullest heap seen (null: no such moment was seen). */
  aliveAtPeak: number | null;
  /** The line's own source text, trimmed. */
  text: string;
}

/** A function of the script: `self` what its own lines made, `total` with the functions it called. */
export interface ProfileFunction {
  file: string;
  function: string;
  /** The line of its `def` (0 for `<module>`). */
  line: number;
  allocations: number;
  bytes: number;
  totalAllocations: number;
  totalBytes: number;
  aliveAtEnd: number;
}

/** What no script line made, by owner. */
export interface ProfileOther {
  owner: Exclude<ProfileOwner, 'script'>;
  allocations: number;
  bytes: number;
  aliveAtEnd: number;
  aliveBytesAtEnd: number;
}

/**
 * A line whose allocations survive collections in growing numbers: made again and again and
 * kept (a list that only grows, a cache never emptied), as against garbage that comes and goes.
 */
export interface ProfileLeak {
  file: string;
  line: number;
  function: string;
  /** Survivors after the first collection that saw any, and after the last. */
  aliveFirst: number;
  aliveLast: number;
  /** Collections across which the survivors grew. */
  growths: number;
  /** Collections between the first and the last count. */
  collections: number;
  /** Bytes the line's survivors hold at the end. */
  bytesAtEnd: number;
}

export interface HeapProfile {
  /** True when every allocation was seen (the embedded engine); false for a board's estimate. */
  exact: boolean;
  /** What the figures can be trusted to, in words (stated in every view). */
  precision: string;
  blockSize: number;
  /** Garbage collections the profile saw (the final one included). */
  collections: number;
  /** Heap bytes in use at the fullest moment seen, when known. */
  peakUsedBytes: number | null;
  frames: ProfileFrame[];
  stacks: ProfileStack[];
  /** The script's lines that allocated, most bytes first. */
  lines: ProfileLine[];
  functions: ProfileFunction[];
  other: ProfileOther[];
  leaks: ProfileLeak[];
}

/**
 * What the profile says of one snapshot: allocations alive (occupying blocks, garbage not yet
 * collected included, as the map shows them) by stack, and each area's blocks by stack.
 */
export interface SnapshotProfile {
  /** [stack index, allocations, bytes] for each stack with blocks in use. */
  alive: [stack: number, count: number, bytes: number][];
  /** Per area of the snapshot (same order): the stack of the allocation each block belongs to, -1 none. */
  owners: Int32Array[];
}
