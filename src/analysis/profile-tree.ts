/**
 * The heap profile's stacks as one tree, for an icicle (flame) graph: each box is a frame of a
 * call stack, as wide as what was allocated below it. Browser-safe: the web page draws it.
 *
 * How the stacks become the tree:
 *  - The script's stacks start at the script's outermost frame (its `<module>` line). The frames
 *    above it are the same for every stack of the run, mpheap's way of running the script, and
 *    would only push the graph down a row or two.
 *  - What no script line made (mpheap's own code, compiling the script, the board shims) hangs
 *    under a box named for its owner, beside the script's top-level lines, with its frames below.
 *  - Where a script line called into code that is not the script's (`mpheap.snap()`, a shim),
 *    the allocations below it end in a box named for that owner, so its share stays visible and
 *    apart, as in the terminal's table.
 */
import type { HeapProfile, ProfileFrame, ProfileOwner, ProfileStack } from '../snapshot/profile.js';
import { scriptFrameOf } from './profile-lines.js';

/** What a box's width stands for. `alive` is the bytes still reachable at the end. */
export type ProfileMeasure = 'bytes' | 'allocations' | 'alive';

/** Short names of the owners, as the graph's boxes and legend say them. */
export const OWNER_NAME: Record<ProfileOwner, string> = {
  script: 'the script',
  compile: 'compiling the script',
  shims: 'board shims',
  mpheap: "mpheap's own code",
};

export interface ProfileNode {
  /** Unique within the tree (the path of keys from the root). */
  id: string;
  kind: 'root' | 'frame' | 'owner';
  /** `function (file:line)`, an owner's name, or `all allocations` at the root. */
  label: string;
  /** The frame of a `frame` box. */
  frame: ProfileFrame | null;
  /** Whose code the box is: the script's frames are `script`, the rest their stacks' owner. */
  owner: ProfileOwner;
  depth: number;
  parent: ProfileNode | null;
  /** Biggest (in bytes) first. */
  children: ProfileNode[];
  /** The figures of every stack through the box, as the profile counts them. */
  bytes: number;
  allocations: number;
  aliveAtEnd: number;
  aliveBytesAtEnd: number;
  /**
   * The box's width in each measure: the same sums with each stack's figure taken as at least
   * 0. A realloc that shrank gives bytes back, so a stack's bytes can be negative; a box cannot
   * be narrower than nothing, and its children must fit inside it.
   */
  width: Record<ProfileMeasure, number>;
  /** Indexes into HeapProfile.stacks of the stacks through the box. */
  stacks: number[];
}

function frameLabel(f: ProfileFrame): string {
  const file = f.file.slice(f.file.lastIndexOf('/') + 1);
  return f.function ? `${f.function} (${file}:${f.line})` : `${file}:${f.line}`;
}

/** The icicle's tree of a profile: the root is every allocation of the run. */
export function profileTree(profile: HeapProfile): ProfileNode {
  const root = makeNode('', 'root', 'all allocations', null, 'script', null);
  const childIndex = new Map<string, ProfileNode>();
  const step = (parent: ProfileNode, key: string, make: () => ProfileNode): ProfileNode => {
    const id = `${parent.id}/${key}`;
    let n = childIndex.get(id);
    if (!n) {
      n = make();
      n.id = id;
      childIndex.set(id, n);
      parent.children.push(n);
    }
    return n;
  };
  const frameStep = (parent: ProfileNode, index: number, owner: ProfileOwner) =>
    step(parent, `f${index}`, () => {
      const f = profile.frames[index] ?? { file: '<unknown>', line: 0, function: '' };
      return makeNode('', 'frame', frameLabel(f), f, owner, parent);
    });
  const ownerStep = (parent: ProfileNode, owner: ProfileOwner) =>
    step(parent, `o${owner}`, () => makeNode('', 'owner', OWNER_NAME[owner], null, owner, parent));

  profile.stacks.forEach((st, i) => {
    let node = root;
    add(node, st, i);
    const path = scriptPath(profile, st);
    if (path) {
      const scriptFile = scriptFrameOf(profile, st)?.file;
      for (const f of path) {
        node = frameStep(node, f, profile.frames[f]?.file === scriptFile ? 'script' : st.owner);
        add(node, st, i);
      }
      if (st.owner !== 'script') {
        node = ownerStep(node, st.owner);
        add(node, st, i);
      }
    } else {
      node = ownerStep(node, st.owner);
      add(node, st, i);
      for (const f of st.frames) {
        node = frameStep(node, f, st.owner);
        add(node, st, i);
      }
    }
  });
  sortTree(root);
  return root;
}

/** The frames of a stack from the script's outermost one on, or null when no script line is on it. */
function scriptPath(profile: HeapProfile, st: ProfileStack): number[] | null {
  if (st.scriptFrame === null) return null;
  const file = scriptFrameOf(profile, st)?.file;
  const first = st.frames.findIndex((f) => profile.frames[f]?.file === file);
  return st.frames.slice(first < 0 ? st.scriptFrame : Math.min(first, st.scriptFrame));
}

function makeNode(
  id: string,
  kind: ProfileNode['kind'],
  label: string,
  frame: ProfileFrame | null,
  owner: ProfileOwner,
  parent: ProfileNode | null,
): ProfileNode {
  return {
    id,
    kind,
    label,
    frame,
    owner,
    depth: parent ? parent.depth + 1 : 0,
    parent,
    children: [],
    bytes: 0,
    allocations: 0,
    aliveAtEnd: 0,
    aliveBytesAtEnd: 0,
    width: { bytes: 0, allocations: 0, alive: 0 },
    stacks: [],
  };
}

function add(n: ProfileNode, st: ProfileStack, index: number): void {
  n.bytes += st.bytes;
  n.allocations += st.allocations;
  n.aliveAtEnd += st.aliveAtEnd;
  n.aliveBytesAtEnd += st.aliveBytesAtEnd;
  n.width.bytes += Math.max(0, st.bytes);
  n.width.allocations += Math.max(0, st.allocations);
  n.width.alive += Math.max(0, st.aliveBytesAtEnd);
  n.stacks.push(index);
}

function sortTree(n: ProfileNode): void {
  n.children.sort((a, b) => b.width.bytes - a.width.bytes || a.label.localeCompare(b.label));
  for (const c of n.children) sortTree(c);
}

/** The boxes from the root down to `n`, the root first. */
export function pathTo(n: ProfileNode): ProfileNode[] {
  const out: ProfileNode[] = [];
  for (let p: ProfileNode | null = n; p; p = p.parent) out.unshift(p);
  return out;
}

/** The tree's depth (rows of the graph), the root's row included. */
export function treeDepth(n: ProfileNode): number {
  let d = 0;
  for (const c of n.children) d = Math.max(d, treeDepth(c));
  return d + 1;
}
