/**
 * The allocation profiler of the board-faithful engine, which runs inside its worker thread
 * (worker-source.ts embeds `createProfiler`'s source, so the function is self-contained: no
 * imports, no names from outside its body).
 *
 * The build tells JavaScript of every Python frame the VM runs (frame_enter/frame_exit with its
 * code_state) and of every gc_alloc, gc_free and gc_realloc. For each allocation the profiler
 * reads where each active frame is: code_state->ip is stored before every opcode (vm.c,
 * MARK_EXC_IP_GLOBAL), and the function's bytecode prelude holds the table from bytecode offsets
 * to source lines (bc.h: mp_bytecode_get_source_line), decoded once per function. An allocation
 * is filed under its stack: the source line of each frame, outermost first, each frame known by
 * its module context (code_state->fun_bc->context). Live allocations are kept by address until
 * gc_free, a realloc that moves them, or a sweep that finds their block free.
 *
 * Layouts (MicroPython 1.27, 32-bit): mp_code_state_t {fun_bc, ip, …}; mp_obj_fun_bc_t {base,
 * context, child_table, bytecode, …}; the prelude: signature (MP_BC_PRELUDE_SIG), sizes
 * (MP_BC_PRELUDE_SIZE: n_info, n_cell), then n_info bytes of info (the function's name and its
 * argument names as var-uints, then the line table), n_cell bytes, then the bytecode.
 */

import type { EngineProfile, ProfileContext, ProfileLive, ProfileSite } from '../engine.js';

export interface ProfilerLayout {
  areaList: number;
  area: { next: number; allocTable: number; poolStart: number; poolEnd: number };
  blockSize: number;
}

/** The profile without module names (the worker asks the engine for those). */
export type ProfileExport = Omit<EngineProfile, 'modules' | 'blockSize'>;

export interface Profiler {
  /** An exec starts: `script` for the user's code, `mpheap` for mpheap's own, `shims` for loading the shims; the unit's frame depth. */
  execStart(kind: 'script' | 'mpheap' | 'shims', unitDepth: number): void;
  frameEnter(codeState: number): void;
  frameExit(codeState: number): void;
  alloc(ptr: number, nBytes: number): void;
  free(ptr: number): void;
  realloc(ptrIn: number, nBytes: number, ptrOut: number): void;
  /**
   * A moment the heap may be at its fullest (a collection begins, an allocation failed, a
   * snapshot): what is alive then is kept when more blocks are in use than at any such moment before.
   */
  maybePeak(usedBlocks: number): void;
  /** After a collection: drop the allocations whose block the sweep freed, count the survivors. */
  swept(): void;
  /** The live allocations by site now, and for each head block its site (index), per area. */
  liveNow(): ProfileLive;
  export(): ProfileExport;
}

export function createProfiler(memory: () => ArrayBuffer, layout: ProfilerLayout): Profiler {
  // How many changes of a site's survivor count are kept before the series is thinned.
  const MAX_SURVIVOR_POINTS = 256;
  const blockSize = layout.blockSize;
  const frames: number[] = [];
  const frameCtx: number[] = [];
  const contexts: ProfileContext[] = [];
  // The context now at each address, by index into contexts.
  const contextAt = new Map<number, number>();
  let execKind: 'script' | 'mpheap' | 'shims' = 'mpheap';
  let unitDepth = 0;
  const siteList: ProfileSite[] = [];
  // Live allocations: address → [site index, blocks].
  const live = new Map<number, [number, number]>();
  // The last gc_free (address, blocks): a realloc that moved freed its old chain just now.
  let lastFreed = 0;
  let lastFreedBlocks = 0;
  let collections = 0;
  // Per site: [collection, allocations alive after it] each time that count changed.
  const survivors: [number, number][][] = [];
  let peak: EngineProfile['peak'] = null;
  // Per bytecode pointer: its line table (start, end), where its opcodes start, and the lines
  // of the offsets asked about so far.
  const prelude = new Map<number, Prelude>();
  // Sites as a tree of call stacks: a node per (context, line) under its caller's node, so an
  // allocation finds its site without building a key. Outer frames do not move while an inner
  // one runs: their nodes are kept (outerNode[i] for frames 0..i) until a frame enters or leaves
  // below them.
  const roots = { script: newNode(null, -1, 0), mpheap: newNode(null, -1, 0), shims: newNode(null, -1, 0) };
  const outerNode: StackNode[] = [];
  let outerValid = 0;

  // Views of the engine's memory, made again only when it grew (a new ArrayBuffer).
  let buffer: ArrayBuffer | null = null;
  let bytes8 = new Uint8Array(0);
  let words32 = new Uint32Array(0);
  const refresh = () => {
    const b = memory();
    if (b !== buffer) {
      buffer = b;
      bytes8 = new Uint8Array(b);
      words32 = new Uint32Array(b);
    }
  };
  const u8 = () => {
    refresh();
    return bytes8;
  };
  const u32 = () => {
    refresh();
    return words32;
  };

  interface Prelude {
    lineStart: number;
    lineEnd: number;
    codeStart: number;
    lines: Map<number, number>;
  }
  interface StackNode {
    parent: StackNode | null;
    ctx: number;
    line: number;
    children: Map<number, StackNode>;
    site: number;
  }

  function newNode(parent: StackNode | null, ctx: number, line: number): StackNode {
    return { parent, ctx, line, children: new Map(), site: -1 };
  }

  function childOf(parent: StackNode, ctx: number, line: number): StackNode {
    // Lines fit in 20 bits (the line table's deltas add up to far less in any real script).
    const key = ctx * 0x100000 + line;
    let node = parent.children.get(key);
    if (!node) {
      node = newNode(parent, ctx, line);
      parent.children.set(key, node);
    }
    return node;
  }

  function decodePrelude(bc: number): Prelude {
    const known = prelude.get(bc);
    if (known) return known;
    const m = u8();
    let ip = bc;
    // MP_BC_PRELUDE_SIG: a byte, continued while its top bit is set.
    let z = m[ip++];
    let nPos = z & 0x3;
    let nKw = 0;
    for (let n = 0; z & 0x80; n++) {
      z = m[ip++];
      nPos |= (z & 0x04) << n;
      nKw |= ((z & 0x08) >> 3) << n;
    }
    // MP_BC_PRELUDE_SIZE: n_info in 6-bit groups, n_cell in single bits.
    let nInfo = 0;
    let nCell = 0;
    let n = 0;
    do {
      z = m[ip++];
      nCell |= (z & 1) << n;
      nInfo |= ((z & 0x7e) >> 1) << (6 * n);
      n++;
    } while (z & 0x80);
    const infoEnd = ip + nInfo;
    // The name and each argument name: var-uints (7 bits each, top bit: more follows).
    for (let i = 0; i < 1 + nPos + nKw; i++) while (m[ip++] & 0x80);
    const entry: Prelude = { lineStart: ip, lineEnd: infoEnd, codeStart: infoEnd + nCell, lines: new Map() };
    prelude.set(bc, entry);
    return entry;
  }

  /** mp_bytecode_get_source_line over the decoded table. */
  function lineOf(codeState: number): number {
    const w = u32();
    const funBc = w[codeState >>> 2];
    const ip = w[(codeState + 4) >>> 2];
    const bc = w[(funBc + 12) >>> 2];
    const pre = decodePrelude(bc);
    const known = pre.lines.get(ip);
    if (known !== undefined) return known;
    const start = pre.lineStart;
    const end = pre.lineEnd;
    const m = u8();
    let offset = ip - pre.codeStart;
    let line = 1;
    for (let p = start; p < end; ) {
      const c = m[p];
      let b: number;
      let l: number;
      if ((c & 0x80) === 0) {
        b = c & 0x1f;
        l = c >> 5;
        p += 1;
      } else {
        b = c & 0xf;
        l = ((c << 4) & 0x700) | m[p + 1];
        p += 2;
      }
      if (offset < b) break;
      offset -= b;
      line += l;
    }
    pre.lines.set(ip, line);
    return line;
  }

  function siteHere(): number {
    const top = frames.length - 1;
    let parent = roots[execKind];
    if (top > 0) {
      for (let k = outerValid; k < top; k++)
        outerNode[k] = childOf(k === 0 ? parent : outerNode[k - 1], frameCtx[k], lineOf(frames[k]));
      outerValid = top;
      parent = outerNode[top - 1];
    }
    const node = top >= 0 ? childOf(parent, frameCtx[top], lineOf(frames[top])) : parent;
    if (node.site < 0) {
      const fr: [number, number][] = [];
      for (let n: StackNode | null = node; n?.parent; n = n.parent) fr.unshift([n.ctx, n.line]);
      node.site = siteList.length;
      siteList.push({ exec: execKind, frames: fr, allocations: 0, bytes: 0 });
      survivors.push([]);
    }
    return node.site;
  }

  function contextOf(address: number): number {
    let index = contextAt.get(address);
    if (index === undefined) {
      index = contexts.length;
      // mp_module_context_t starts with an mp_obj_module_t {base, globals}: the module's dict.
      contexts.push({ address, globals: u32()[(address + 4) >>> 2], script: false, current: true });
      contextAt.set(address, index);
    }
    return index;
  }

  function blocksAt(ptr: number): number {
    const w = u32();
    const m = u8();
    for (let area = layout.areaList; area !== 0; area = w[(area + layout.area.next) >>> 2]) {
      const pool = w[(area + layout.area.poolStart) >>> 2];
      const end = w[(area + layout.area.poolEnd) >>> 2];
      if (ptr < pool || ptr >= end) continue;
      const atb = w[(area + layout.area.allocTable) >>> 2];
      const first = (ptr - pool) / blockSize;
      const last = (end - pool) / blockSize;
      let b = first + 1;
      while (b < last && ((m[atb + (b >>> 2)] >>> ((b & 3) << 1)) & 3) === 2) b++;
      return b - first;
    }
    return 0;
  }

  function kindAt(ptr: number): number {
    const w = u32();
    for (let area = layout.areaList; area !== 0; area = w[(area + layout.area.next) >>> 2]) {
      const pool = w[(area + layout.area.poolStart) >>> 2];
      if (ptr < pool || ptr >= w[(area + layout.area.poolEnd) >>> 2]) continue;
      const b = (ptr - pool) / blockSize;
      return (u8()[w[(area + layout.area.allocTable) >>> 2] + (b >>> 2)] >>> ((b & 3) << 1)) & 3;
    }
    return 0;
  }

  function aliveBySite(): [number, number, number][] {
    const counts = new Map<number, [number, number]>();
    for (const [, [site, blocks]] of live) {
      const c = counts.get(site);
      if (c) {
        c[0]++;
        c[1] += blocks * blockSize;
      } else counts.set(site, [1, blocks * blockSize]);
    }
    const alive: [number, number, number][] = [];
    for (const [site, [count, bytes]] of counts) alive.push([site, count, bytes]);
    return alive;
  }

  return {
    execStart(kind, depth) {
      execKind = kind;
      unitDepth = depth;
      frames.length = 0;
      frameCtx.length = 0;
      outerValid = 0;
    },
    frameEnter(codeState) {
      const w = u32();
      const ctx = contextOf(w[(w[codeState >>> 2] + 4) >>> 2]);
      if (execKind === 'script' && frames.length === unitDepth) contexts[ctx].script = true;
      // The caller (now an outer frame) is at its call: its node is made when first needed.
      if (outerValid > frames.length - 1) outerValid = Math.max(0, frames.length - 1);
      frames.push(codeState);
      frameCtx.push(ctx);
    },
    frameExit(codeState) {
      // The VM returns from every frame it entered; a mismatch only after a fatal stop.
      const at = frames.lastIndexOf(codeState);
      if (at >= 0) {
        frames.length = at;
        frameCtx.length = at;
        // The frame that becomes the top runs on: it is no longer an outer frame.
        if (outerValid > at - 1) outerValid = Math.max(0, at - 1);
      }
    },
    alloc(ptr, nBytes) {
      if (ptr === 0) return;
      // A context freed and its address given out again: the next code seen there is another's.
      const reused = contextAt.get(ptr);
      if (reused !== undefined) {
        contexts[reused].current = false;
        contextAt.delete(ptr);
      }
      // Bytecode is on the GC heap too: a function compiled where another's was is read afresh.
      prelude.delete(ptr);
      const site = siteHere();
      const blocks = Math.ceil(nBytes / blockSize) || 1;
      const s = siteList[site];
      s.allocations += 1;
      s.bytes += blocks * blockSize;
      live.set(ptr, [site, blocks]);
    },
    free(ptr) {
      const rec = live.get(ptr);
      lastFreed = ptr;
      lastFreedBlocks = rec ? rec[1] : 0;
      live.delete(ptr);
    },
    realloc(ptrIn, _nBytes, ptrOut) {
      if (ptrIn === 0 || ptrOut === 0) return;
      if (ptrIn !== ptrOut) {
        // Moved: told as the gc_alloc of the new chain and the gc_free of the old. What the
        // realloc took is what it grew by, as gc.mem_alloc() sees it: the old blocks come off.
        const moved = live.get(ptrOut);
        if (lastFreed === ptrIn && moved) siteList[moved[0]].bytes -= lastFreedBlocks * blockSize;
        return;
      }
      const rec = live.get(ptrIn);
      if (!rec) return;
      const blocks = blocksAt(ptrIn);
      // In place: what it grew by (or, shrinking, gave back), without a gc_alloc call.
      if (blocks !== rec[1]) siteList[siteHere()].bytes += (blocks - rec[1]) * blockSize;
      rec[1] = blocks;
    },
    maybePeak(usedBlocks) {
      if (peak !== null && usedBlocks <= peak.usedBytes / blockSize) return;
      peak = { usedBytes: usedBlocks * blockSize, alive: aliveBySite() };
    },
    swept() {
      collections++;
      for (const ptr of live.keys()) if (kindAt(ptr) !== 1) live.delete(ptr);
      const now = new Map<number, number>();
      for (const [site] of live.values()) now.set(site, (now.get(site) ?? 0) + 1);
      for (let site = 0; site < survivors.length; site++) {
        const series = survivors[site];
        const count = now.get(site) ?? 0;
        const last = series.length ? series[series.length - 1][1] : 0;
        if (count === last) continue;
        series.push([collections, count]);
        // Long runs keep their shape at half the points: every other change dropped.
        if (series.length > MAX_SURVIVOR_POINTS) survivors[site] = series.filter((_, i) => i % 2 === 1);
      }
    },
    liveNow() {
      const alive = aliveBySite();
      const owners: { base: number; sites: Int32Array }[] = [];
      const w = u32();
      for (
        let area = layout.areaList;
        area !== 0 && owners.length < 4096;
        area = w[(area + layout.area.next) >>> 2]
      ) {
        const pool = w[(area + layout.area.poolStart) >>> 2];
        const end = w[(area + layout.area.poolEnd) >>> 2];
        const sitesOf = new Int32Array((end - pool) / blockSize).fill(-1);
        for (const [ptr, [site]] of live)
          if (ptr >= pool && ptr < end) sitesOf[(ptr - pool) / blockSize] = site;
        owners.push({ base: pool, sites: sitesOf });
      }
      return { alive, owners };
    },
    export() {
      return { sites: siteList, contexts, alive: aliveBySite(), collections, survivors, peak };
    },
  };
}
