/**
 * Makes the official MicroPython WebAssembly build collect garbage where a board's gc.c does:
 * inside gc_alloc when the heap is full (then retry), at gc.threshold, and on gc.collect()
 * anywhere, not only when control returns to JavaScript.
 *
 * The steps, with binaryen (the toolkit the build itself was optimised with):
 *   1. find gc.c's functions in the stripped build (locate.ts) and edit them (edits.ts);
 *   2. `flatten`: every intermediate value goes through a local, so no value waits on the
 *      WebAssembly operand stack across a call (the next pass sees locals only);
 *   3. `spill-pointers`: before each call, the i32 locals still needed after it are stored to
 *      the C stack in linear memory, where the conservative scan finds them, as it finds a
 *      board's registers pushed on its stack;
 *   4. smaller spill frames (spill-frames.ts), then binaryen's -O2 on the whole module.
 * The result is built once per input binary and kept in a cache (cache.ts).
 */
import { applyBoardGcEdits } from './edits.js';
import { type GcLocations, locateGc } from './locate.js';
import { compactSpillFrames, type SpillFrameStats } from './spill-frames.js';
import { WatText } from './wat-text.js';

/** What JavaScript needs to read the heap straight from the engine's memory. */
export interface HeapLayout {
  /** Address of the first `mp_state_mem_area_t`. */
  areaList: number;
  /** Its fields' offsets. */
  area: GcLocations['area'];
  /** Address of the uint16 gc_lock_depth (2 per heap_lock()). */
  gcLockDepth: number;
}

export interface TransformResult {
  wasm: Uint8Array;
  layout: HeapLayout;
  spillFrames: SpillFrameStats;
}

export type TransformStep = 'reading' | 'editing' | 'flattening' | 'spilling' | 'optimizing' | 'writing';

interface BinaryenModule {
  emitText(): string;
  emitBinary(): Uint8Array;
  getFeatures(): number;
  setFeatures(features: number): void;
  validate(): number;
  runPasses(passes: string[]): void;
  optimize(): void;
  dispose(): void;
  getNumFunctions(): number;
  getFunctionByIndex(i: number): number;
}

interface Binaryen {
  readBinary(data: Uint8Array): BinaryenModule;
  parseText(text: string): BinaryenModule;
  getFunctionInfo(func: number): { name: string; params: number; vars: number[] };
  expandType(type: number): number[];
  setOptimizeLevel(level: number): void;
  setShrinkLevel(level: number): void;
}

export async function transformForBoardGc(
  input: Uint8Array,
  onStep: (step: TransformStep) => void = () => {},
): Promise<TransformResult> {
  // binaryen is large (a WebAssembly build of its own): loaded only when a build is made.
  const binaryen = (await import('binaryen')).default as unknown as Binaryen;
  onStep('reading');
  const original = binaryen.readBinary(input);
  const features = original.getFeatures();
  const wat = new WatText(original.emitText());
  original.dispose();

  onStep('editing');
  const at = locateGc(wat);
  applyBoardGcEdits(wat, at);
  const edited = parse(binaryen, wat.toString(), features, 'the edited build');

  onStep('flattening');
  edited.runPasses(['flatten']);
  const firstAddedLocal = new Map<string, number>();
  for (let i = 0; i < edited.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(edited.getFunctionByIndex(i));
    firstAddedLocal.set(info.name, binaryen.expandType(info.params).length + info.vars.length);
  }

  onStep('spilling');
  edited.runPasses(['spill-pointers']);
  const spilled = new WatText(edited.emitText());
  edited.dispose();
  const spillFrames = compactSpillFrames(spilled, firstAddedLocal);

  onStep('optimizing');
  const final = parse(binaryen, spilled.toString(), features, 'the spilled build');
  binaryen.setOptimizeLevel(2);
  binaryen.setShrinkLevel(0);
  final.optimize();
  if (!final.validate()) throw new Error('the optimised build does not validate');
  onStep('writing');
  const wasm = final.emitBinary();
  final.dispose();
  return { wasm, layout: { areaList: at.areaList, area: at.area, gcLockDepth: at.gcLockDepth }, spillFrames };
}

function parse(binaryen: Binaryen, text: string, features: number, what: string): BinaryenModule {
  const m = binaryen.parseText(text);
  m.setFeatures(features);
  if (!m.validate()) {
    m.dispose();
    throw new Error(`${what} does not validate`);
  }
  return m;
}
