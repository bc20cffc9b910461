/**
 * The heap profile on the page (`mpheap run --profile`): the icicle graph of the call stacks
 * that allocated, the lines that allocated most, what grows across collections, and for the
 * snapshot shown, the line behind each block (hover, and the map by line) and the lines that
 * split the free space at a failed allocation. Nothing here shows without a profile.
 */
import { useMemo, useState } from 'preact/hooks';
import { blameFreeSpace, blameSentence } from '../analysis/profile-blame.js';
import { blockOrigin, lineSource, whereText } from '../analysis/profile-lines.js';
import { OWNER_NAME, type ProfileMeasure, type ProfileNode, profileTree } from '../analysis/profile-tree.js';
import { memoryErrorCause, type SnapshotFigures } from '../analysis/verdict.js';
import { CH_FREE } from '../heap/block-map.js';
import type { HeapProfile, ProfileOwner } from '../snapshot/profile.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import { plural } from '../util/text.js';
import { Icicle } from './icicle.js';
import {
  blockColoursByLine,
  LINE_RGB,
  type LineColours,
  lineColours,
  NO_OWNER_RGB,
  OWNER_RGB,
  scriptFrameRgb,
} from './profile-colours.js';
import { bytes, count } from './text.js';
import './profile.css';

const MEASURES: { key: ProfileMeasure; name: string; what: string }[] = [
  { key: 'bytes', name: 'bytes', what: 'bytes allocated' },
  { key: 'allocations', name: 'allocations', what: 'allocations' },
  { key: 'alive', name: 'alive at end', what: 'bytes still alive at the end' },
];
const TOP_LINES = 15;

/** A board's probes know bytes, not allocations or what stays alive: those figures are null. */
function known(n: number | null, say: (n: number) => string): string {
  return n === null ? 'not known' : say(n);
}

function percent(part: number, whole: number): string {
  if (whole <= 0) return '';
  const p = (100 * part) / whole;
  return p >= 10 || p === 0 ? `${Math.round(p)}%` : `${p.toFixed(1)}%`;
}

function boxColour(n: ProfileNode): string {
  if (n.kind === 'root') return '#d9d5cb';
  if (n.owner !== 'script') return OWNER_RGB[n.owner];
  return scriptFrameRgb(n.frame?.function || n.label);
}

export function ProfilePanel({ profile }: { profile: HeapProfile }) {
  const tree = useMemo(() => profileTree(profile), [profile]);
  const [measure, setMeasure] = useState<ProfileMeasure>('bytes');
  const [allLines, setAllLines] = useState(false);
  const owners = useMemo(() => {
    const seen = new Set<ProfileOwner>();
    for (const st of profile.stacks) if (st.owner !== 'script') seen.add(st.owner);
    return [...seen];
  }, [profile]);

  // Kept from render to render (the graph is drawn again only when they change).
  const describe = useMemo(
    () =>
      (n: ProfileNode): string[] => {
        const out: string[] = [];
        if (n.kind === 'root') out.push('all allocations of the run');
        else if (n.kind === 'owner')
          out.push(
            n.parent?.kind === 'root'
              ? `${OWNER_NAME[n.owner]}: what no line of the script made`
              : `${OWNER_NAME[n.owner]}, called from the line above`,
          );
        else if (n.frame) {
          out.push(`${n.frame.function || '(module code)'}, ${n.frame.file}:${n.frame.line}`);
          const text = n.owner === 'script' ? lineSource(profile, n.frame.file, n.frame.line) : null;
          if (text) out.push(text);
          if (n.owner !== 'script') out.push(`part of ${OWNER_NAME[n.owner]}`);
        }
        out.push(
          `${bytes(n.bytes)} in ${plural(n.allocations, 'allocation')} (${percent(n.width.bytes, tree.width.bytes)} of the bytes)`,
          n.aliveAtEnd === 0
            ? 'none of it alive at the end'
            : `${plural(n.aliveAtEnd, 'allocation')} (${bytes(n.aliveBytesAtEnd)}) still alive at the end`,
        );
        return out;
      },
    [profile, tree],
  );
  const labelOf = useMemo(
    () => (n: ProfileNode) => {
      if (n.kind !== 'root') return n.label;
      if (measure === 'allocations') return `all allocations: ${plural(n.allocations, 'allocation')}`;
      if (measure === 'alive') return `all allocations: ${bytes(n.aliveBytesAtEnd)} alive at the end`;
      return `all allocations: ${bytes(n.bytes)}`;
    },
    [measure],
  );
  const lines = allLines ? profile.lines : profile.lines.slice(0, TOP_LINES);
  const m = MEASURES.find((x) => x.key === measure)!;
  return (
    <section class="panel profile" data-testid="profile">
      <div class="panel-head">
        <h2>Heap profile</h2>
        <span class="hint">the call stacks that allocated, over the whole run</span>
      </div>
      <p class="profile-precision" data-testid="profile-precision">
        <b>Precision:</b> {profile.precision}.{' '}
        <span class="hint">
          {plural(profile.collections, 'garbage collection')} seen
          {profile.peakUsedBytes !== null ? `; at the fullest, ${bytes(profile.peakUsedBytes)} in use` : ''}.
        </span>
      </p>
      <div class="profile-bar">
        <span class="measure">
          width ={' '}
          {MEASURES.map((x) => (
            <button
              type="button"
              key={x.key}
              aria-pressed={measure === x.key}
              class={measure === x.key ? 'on' : ''}
              data-testid={`measure-${x.key}`}
              onClick={() => setMeasure(x.key)}
            >
              {x.name}
            </button>
          ))}
        </span>
        <span class="hint">
          each box is a frame, <code>function (file:line)</code>, as wide as the {m.what} below it; click to
          zoom
        </span>
      </div>
      {tree.width[measure] === 0 ? (
        <p data-testid="icicle-empty">Nothing to show: no {m.what} in this run.</p>
      ) : (
        <Icicle root={tree} measure={measure} describe={describe} colour={boxColour} labelOf={labelOf} />
      )}
      <ul class="profile-legend" data-testid="profile-legend">
        <li>
          <span class="dot" style={{ background: scriptFrameRgb('main') }} /> the script's own lines (warm
          colours, one per function)
        </li>
        {owners.map((o) => (
          <li key={o}>
            <span class="dot" style={{ background: OWNER_RGB[o as Exclude<ProfileOwner, 'script'>] }} />{' '}
            {OWNER_NAME[o]}
          </li>
        ))}
      </ul>
      <div class="profile-columns">
        <div>
          <h3>Lines that allocated most</h3>
          <table class="profile-lines" data-testid="profile-lines">
            <thead>
              <tr>
                <th>line</th>
                <th>function</th>
                <th>bytes</th>
                <th>allocations</th>
                <th>alive at end</th>
                <th>code</th>
              </tr>
            </thead>
            <tbody>
              {lines.map((l) => (
                <tr key={`${l.file}:${l.line}`}>
                  <td>{l.line}</td>
                  <td>{l.function}</td>
                  <td>{bytes(l.bytes)}</td>
                  <td>{known(l.allocations, count)}</td>
                  <td>
                    {l.aliveAtEnd === null
                      ? 'not known'
                      : l.aliveAtEnd === 0
                        ? '0'
                        : `${count(l.aliveAtEnd)} (${known(l.aliveBytesAtEnd, bytes)})`}
                  </td>
                  <td class="code">
                    <code>{l.text}</code>
                  </td>
                </tr>
              ))}
              {profile.lines.length === 0 && (
                <tr>
                  <td colSpan={6}>no line of the script allocated</td>
                </tr>
              )}
            </tbody>
          </table>
          {profile.lines.length > TOP_LINES && (
            <button type="button" class="link" onClick={() => setAllLines(!allLines)} data-testid="all-lines">
              {allLines ? `the top ${TOP_LINES} only` : `all ${count(profile.lines.length)} lines`}
            </button>
          )}
        </div>
        <div>
          <h3>Growing across collections</h3>
          {profile.leaks.length === 0 ? (
            <p class="hint" data-testid="profile-leaks">
              No line's allocations piled up: none kept more survivors collection after collection
              {profile.collections > 0 ? ` (over ${plural(profile.collections, 'collection')})` : ''}.
            </p>
          ) : (
            <ul class="profile-leaks" data-testid="profile-leaks">
              {profile.leaks.map((k) => {
                const text = lineSource(profile, k.file, k.line);
                return (
                  <li key={`${k.file}:${k.line}`}>
                    <b>{whereText(k.line, k.function)}</b>: {count(k.aliveFirst)} → {count(k.aliveLast)}{' '}
                    allocations alive, growing across {count(k.growths)} of{' '}
                    {plural(k.collections, 'collection')}; {bytes(k.bytesAtEnd)} at the end
                    {text && (
                      <>
                        {' '}
                        <code>{text}</code>
                      </>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
          {profile.other.length > 0 && (
            <>
              <h3>Apart from the script's lines</h3>
              <ul class="profile-other" data-testid="profile-other">
                {profile.other.map((o) => (
                  <li key={o.owner}>
                    <span class="dot" style={{ background: OWNER_RGB[o.owner] }} /> {OWNER_NAME[o.owner]}:{' '}
                    {bytes(o.bytes)}
                    {o.allocations === null ? '' : ` in ${plural(o.allocations, 'allocation')}`},{' '}
                    {bytes(o.aliveBytesAtEnd)} kept at the end
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      </div>
    </section>
  );
}

/** The sentences naming what splits the free space, in the MemoryError panel. */
export function BlameList({ sentences }: { sentences: string[] }) {
  if (sentences.length === 0) return null;
  return (
    <div class="blame" data-testid="blame">
      <p>What sits between the holes (from the heap profile):</p>
      <ul>
        {sentences.map((s) => (
          <li key={s}>{s.charAt(0).toUpperCase() + s.slice(1)}.</li>
        ))}
      </ul>
    </div>
  );
}

/**
 * The map by line: each colour, the line (or owner) it stands for, and what it holds in this
 * snapshot. One entry a colour, so the legend stays short however many lines allocated.
 */
export function LineLegend({ snapshot, colours }: { snapshot: HeapSnapshot; colours: LineColours }) {
  const rows = useMemo(() => {
    const sums = colours.keys.map(() => ({ allocations: 0, bytes: 0 }));
    for (const [stack, count, bytes] of snapshot.profile?.alive ?? []) {
      const k = stack >= 0 && stack < colours.keyOfStack.length ? colours.keyOfStack[stack] : -1;
      if (k < 0) continue;
      sums[k].allocations += count;
      sums[k].bytes += bytes;
    }
    return colours.keys
      .map((k, i) => ({ ...k, ...sums[i] }))
      .filter((r) => r.allocations > 0)
      .sort((a, b) => a.order - b.order);
  }, [snapshot, colours]);
  return (
    <section class="panel line-legend" data-testid="line-legend">
      <h2>The map by line: who holds the blocks in this snapshot</h2>
      <ul>
        {rows.map((r) => (
          <li key={r.key}>
            <span class="dot" style={{ background: r.rgb }} />{' '}
            {r.line !== null ? (
              <>
                <b>line {r.line}</b>
                {r.function && r.function !== '<module>' ? ` in ${r.function}` : ''}
              </>
            ) : (
              <b>{r.owner === 'script' ? "the script's other lines" : OWNER_NAME[r.owner]}</b>
            )}
            : {plural(r.allocations, 'allocation')}, {bytes(r.bytes)}
          </li>
        ))}
        {rows.length === 0 && <li>no allocation of the profile holds blocks here</li>}
      </ul>
      <p class="hint">
        The run's {LINE_RGB.length} biggest lines have a colour each, the others share one;{' '}
        <span class="dot" style={{ background: NO_OWNER_RGB }} /> grey blocks were allocated before the
        profiler started (the interpreter starting up). Tails are lighter.
      </p>
    </section>
  );
}

/**
 * What the profile adds to the snapshot shown: the hover lines of a block, the colours of the
 * map by line, and the lines that split the free space at a failed allocation. All null
 * (nothing added) without a profile or without owners in the snapshot.
 */
export function useSnapshotProfile(args: {
  profile: HeapProfile | null;
  snapshot: HeapSnapshot;
  joined: Uint8Array;
  owners: Int32Array[] | null;
  joinedOwners: Int32Array | null;
  byLine: boolean;
  /** The failed allocation at this snapshot: bytes asked for, and the figures. */
  request: number | null;
  figures: SnapshotFigures;
}) {
  const { profile, snapshot, joined, owners, joinedOwners, byLine, request, figures } = args;
  const colours = useMemo(() => (profile ? lineColours(profile) : null), [profile]);
  const blockColours = useMemo(
    () => (byLine && colours && joinedOwners ? blockColoursByLine(joined, joinedOwners, colours) : null),
    [byLine, colours, joined, joinedOwners],
  );
  const blame = useMemo(() => {
    if (!profile || !owners || request === null) return [];
    const { largestFreeBytes: largest, freeBytes: free } = figures;
    if (largest === null || free === null) return [];
    if (memoryErrorCause(request, largest, free, snapshot.blockSize) !== 'fragmented') return [];
    return blameFreeSpace(snapshot, profile, request).map((b) => blameSentence(b, request));
  }, [profile, joined, joinedOwners, request]);
  const describe =
    owners && snapshot.profile
      ? (area: number, block: number): string[] => {
          if (snapshot.areas[area]?.map[block] === CH_FREE) return [];
          const stack = owners[area]?.[block] ?? -1;
          if (stack < 0) return ['made before the profiler started (the interpreter starting up)'];
          if (!profile) return ['made by: known when the run ends and its profile arrives'];
          const lines = blockOrigin(profile, stack);
          return lines.length > 0 ? lines : [`made by: stack ${stack}, not in the profile`];
        }
      : undefined;
  return { colours, blockColours, blame, describe };
}
