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
 *
 * On a board with stock firmware (`exact` false) probes between statements read gc.mem_alloc()
 * (run/board-profile/): a line's `bytes` is then the net change across it (what it freed itself
 * subtracted), intervals with a collection in them left out; what the probes cannot know (how
 * many allocations, what stays alive, call stacks) is null or empty, and `board` says how the
 * figures were made (BoardProbeReport).
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
  /** gc_alloc calls; null where not known (a board's probes see bytes, not allocations). */
  allocations: number | null;
  bytes: number;
  /** Null where not known (a board). */
  aliveAtEnd: number | null;
  aliveBytesAtEnd: number | null;
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
  /** Null where not known: a board's probes see neither allocations nor call stacks (so no totals). */
  allocations: number | null;
  bytes: number;
  totalAllocations: number | null;
  totalBytes: number | null;
  aliveAtEnd: number | null;
}

/** What no script line made, by owner. */
export interface ProfileOther {
  owner: Exclude<ProfileOwner, 'script'>;
  /** Null where not known (a board). */
  allocations: number | null;
  bytes: number;
  aliveAtEnd: number | null;
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

/**
 * How a board's profile was made: probes before each statement read gc.mem_alloc(); the change
 * from one probe to the next is filed under the line of the first.
 */
export interface BoardProbeReport {
  /**
   * How an interval with a garbage collection in it was told: `canary` (a one-block object nothing
   * refers to, whose allocation-table entry the probe reads: every collection frees it) or
   * `mem_alloc` (gc.mem_alloc() went down; a collection that freed less than the statement
   * allocated goes unseen).
   */
  collectionsSeenBy: 'canary' | 'mem_alloc';
  /** Probes placed in the script, and lines inserted for them (0: the script's lines kept). */
  probes: number;
  insertedLines: number;
  /** Intervals between probes in the script counted, and left out because a collection fell in them. */
  intervals: number;
  leftOut: number;
  /** Intervals told by a drop of mem_alloc although a canary was wanted (no free block to make one). */
  unwatched: number;
  /**
   * mpheap's own heap, measured on the board (null: could not be measured): the probe and its
   * table, what the raw REPL's input buffer grew by to take the probe's setup (it keeps its
   * size for the session), and what the probes add to the script's text and bytecode, all
   * held through the run; and one block of garbage per canary made.
   */
  footprint: {
    probeBytes: number | null;
    inputBufferBytes: number | null;
    codeBytes: number | null;
    canaryBytes: number;
  };
  /** Per script line: intervals counted, of them those that took heap, and intervals left out. */
  lines: { line: number; runs: number; allocatingRuns: number; leftOut: number }[];
}

export interface HeapProfile {
  /** True when every allocation was seen (the embedded engine); false for a board's estimate. */
  exact: boolean;
  /** What the figures can be trusted to, in words (stated in every view). */
  precision: string;
  blockSize: number;
  /**
   * Garbage collections the profile saw (the final one included); on a board, the intervals a
   * collection fell in (several in one interval count once).
   */
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
  /** How a board's profile was made (null for an exact one). */
  board: BoardProbeReport | null;
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
