/**
 * The heap profile's stacks as the icicle graph's tree (analysis/profile-tree.ts), a block's
 * origin in words (analysis/profile-lines.ts), and a profile read back from JSON
 * (snapshot/profile-read.ts). The profile here is written by hand in the shape `run --profile`
 * makes (test/web/profile.test.ts checks the graph of a real run in chromium).
 */
import { describe, expect, it } from 'vitest';
import { blockOrigin, scriptFrameOf, whereText } from '../../src/analysis/profile-lines.js';
import { type ProfileNode, pathTo, profileTree, treeDepth } from '../../src/analysis/profile-tree.js';
import type { HeapProfile } from '../../src/snapshot/profile.js';
import { readHeapProfile } from '../../src/snapshot/profile-read.js';

const F = 'app.py';
const stack = (
  frames: number[],
  owner: HeapProfile['stacks'][number]['owner'],
  scriptFrame: number | null,
  bytes: number,
  allocations: number,
  aliveBytesAtEnd = 0,
) => ({ frames, owner, scriptFrame, bytes, allocations, aliveAtEnd: aliveBytesAtEnd / 16, aliveBytesAtEnd });

/** mpheap's runner (frames 0, 1) runs app.py: line 9 calls load() (line 3, 4), which calls mpheap.snap(). */
const PROFILE: HeapProfile = {
  exact: true,
  precision: 'exact: every allocation the engine made',
  blockSize: 16,
  collections: 2,
  peakUsedBytes: 4096,
  board: null,
  frames: [
    { file: '<code>', line: 1, function: '' },
    { file: '_mpheap_guard', line: 4, function: '' },
    { file: F, line: 9, function: '<module>' },
    { file: F, line: 3, function: 'load' },
    { file: F, line: 4, function: 'load' },
    { file: 'mpheap', line: 5, function: '' },
  ],
  stacks: [
    stack([0, 1, 2, 3], 'script', 3, 1000, 10, 160),
    stack([0, 1, 2, 4], 'script', 3, 300, 3),
    stack([0, 1, 2, 4, 5], 'mpheap', 3, 64, 2),
    stack([0, 1], 'mpheap', null, 500, 7, 32),
    stack([], 'compile', null, 200, 4, 48),
    // A realloc that shrank: bytes given back.
    stack([0, 1, 2], 'script', 2, -32, 0),
  ],
  lines: [
    {
      file: F,
      line: 3,
      function: 'load',
      allocations: 10,
      bytes: 1000,
      aliveAtEnd: 10,
      aliveBytesAtEnd: 160,
      aliveAtPeak: null,
      text: 'rows.append(bytearray(48))',
    },
    {
      file: F,
      line: 4,
      function: 'load',
      allocations: 3,
      bytes: 300,
      aliveAtEnd: 0,
      aliveBytesAtEnd: 0,
      aliveAtPeak: null,
      text: 'tmp = [0] * 16',
    },
  ],
  functions: [],
  other: [],
  leaks: [],
};

function child(n: ProfileNode, label: string): ProfileNode {
  const c = n.children.find((x) => x.label === label);
  if (!c) throw new Error(`no '${label}' under '${n.label}': ${n.children.map((x) => x.label).join(', ')}`);
  return c;
}

function eachNode(n: ProfileNode, fn: (n: ProfileNode) => void): void {
  fn(n);
  for (const c of n.children) eachNode(c, fn);
}

describe('profileTree', () => {
  const root = profileTree(PROFILE);

  it('starts the script at its own outermost frame and hangs the rest under its owners', () => {
    expect(root.children.map((c) => c.label)).toEqual([
      '<module> (app.py:9)',
      "mpheap's own code",
      'compiling the script',
    ]);
    const module = child(root, '<module> (app.py:9)');
    expect(module.children.map((c) => c.label)).toEqual(['load (app.py:3)', 'load (app.py:4)']);
    // mpheap.snap() called at line 4: its allocations end in a box of mpheap's own, below its frame.
    const snap = child(child(child(module, 'load (app.py:4)'), 'mpheap:5'), "mpheap's own code");
    expect(snap).toMatchObject({ kind: 'owner', owner: 'mpheap', bytes: 64, allocations: 2 });
    expect(child(child(root, "mpheap's own code"), '<code>:1').children.map((c) => c.label)).toEqual([
      '_mpheap_guard:4',
    ]);
    expect(pathTo(snap).map((n) => n.depth)).toEqual([0, 1, 2, 3, 4]);
    expect(treeDepth(root)).toBe(5);
  });

  it('sums each stack into every box on its way; widths never below 0 and children within their parent', () => {
    expect(root.bytes).toBe(1000 + 300 + 64 + 500 + 200 - 32);
    expect(root.width.bytes).toBe(1000 + 300 + 64 + 500 + 200);
    expect(root.allocations).toBe(26);
    expect(root.width.alive).toBe(160 + 32 + 48);
    expect(child(root, '<module> (app.py:9)')).toMatchObject({ bytes: 1332, width: { bytes: 1364 } });
    eachNode(root, (n) => {
      for (const m of ['bytes', 'allocations', 'alive'] as const) {
        const inside = n.children.reduce((s, c) => s + c.width[m], 0);
        expect(inside, `${n.label} ${m}`).toBeLessThanOrEqual(n.width[m]);
        expect(n.width[m]).toBeGreaterThanOrEqual(0);
      }
    });
  });

  it('colours by whose code a box is: the script’s frames, mpheap’s frames under its owner box', () => {
    const module = child(root, '<module> (app.py:9)');
    expect(child(child(module, 'load (app.py:4)'), 'mpheap:5').owner).toBe('mpheap');
    expect(child(module, 'load (app.py:3)').owner).toBe('script');
    expect(child(root, 'compiling the script').children).toEqual([]);
  });
});

describe('blockOrigin', () => {
  it('names the line, its code and the calls that led there', () => {
    expect(blockOrigin(PROFILE, 0)).toEqual(['line 3 in load: rows.append(bytearray(48))', 'from line 9']);
    expect(blockOrigin(PROFILE, 2)).toEqual([
      "made by mpheap's own code",
      'called at line 4 in load',
      'from line 9',
    ]);
    expect(blockOrigin(PROFILE, 4)).toEqual(['made by compiling the script (its bytecode)']);
    expect(blockOrigin(PROFILE, 99)).toEqual([]);
  });
});

describe('scriptFrameOf and whereText', () => {
  it("find the script's innermost frame on a stack, whoever made the allocation", () => {
    expect(scriptFrameOf(PROFILE, PROFILE.stacks[0])).toEqual({ file: F, line: 3, function: 'load' });
    expect(scriptFrameOf(PROFILE, PROFILE.stacks[2])).toEqual({ file: F, line: 4, function: 'load' });
    expect(scriptFrameOf(PROFILE, PROFILE.stacks[4])).toBeNull();
    expect(scriptFrameOf(PROFILE, stack([0, 77], 'script', 1, 16, 1))).toBeNull();
  });

  it('say a line, with its function unless at the top level', () => {
    expect(whereText(3, 'load')).toBe('line 3 in load');
    expect(whereText(9, '<module>')).toBe('line 9');
    expect(whereText(9, '')).toBe('line 9');
    expect(whereText(9, null)).toBe('line 9');
  });
});

describe('readHeapProfile', () => {
  it('accepts a profile through JSON and names the first wrong field of a damaged one', () => {
    expect(readHeapProfile(JSON.parse(JSON.stringify(PROFILE)))).toEqual(PROFILE);
    const bad = (edit: (p: Record<string, unknown>) => void) => {
      const p = JSON.parse(JSON.stringify(PROFILE));
      edit(p);
      return () => readHeapProfile(p);
    };
    expect(bad((p) => ((p.stacks as { frames: number[] }[])[1].frames = [0, 9]))).toThrow(
      'profile: stacks[1].frames[1] is not a frame index',
    );
    expect(bad((p) => ((p.stacks as { owner: string }[])[0].owner = 'me'))).toThrow(
      'profile: stacks[0].owner is not one of script, compile, shims, mpheap',
    );
    expect(bad((p) => delete p.lines)).toThrow('profile: lines is not a list');
    expect(() => readHeapProfile(null)).toThrow('profile: the profile is not an object');
  });
});
