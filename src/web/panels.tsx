/** The panels around the map: figures, verdict, per-type breakdown, holes, diff, MemoryError, output, legend. */

import type { HeapDiff } from '../analysis/diff.js';
import type { HistogramBucket, TypeFigures } from '../analysis/figures.js';
import { PALETTE, tailRgb } from '../views/palette.js';
import type { PackedSnapshot } from '../views/report/format.js';
import { LEGEND_BY_CHAR } from '../views/terminal/legend.js';
import type { MapDiff } from './heap-figures.js';
import { COLOUR_FREED, COLOUR_NEW, COLOUR_TOO_SMALL } from './map-paint.js';
import type { MemoryErrorInfo } from './session.js';
import { bytes, count, signed, typeName } from './text.js';

export interface HeapSummary {
  total: number;
  used: number;
  free: number;
  largestFree: number;
}

/** One sentence on the state of the heap. */
export function verdict(
  sum: HeapSummary,
  err: MemoryErrorInfo | null,
): { level: 'ok' | 'warn' | 'bad'; text: string } {
  const frag = sum.free > 0 ? 1 - sum.largestFree / sum.free : 0;
  if (err) {
    const req = err.request;
    if (req !== null && req <= sum.free && req > sum.largestFree) {
      return {
        level: 'bad',
        text: `MemoryError from fragmentation: ${bytes(req)} asked for, ${bytes(sum.free)} free, but the largest free block is ${bytes(sum.largestFree)}.`,
      };
    }
    if (req !== null && req <= sum.largestFree) {
      return {
        level: 'bad',
        text: `MemoryError for ${bytes(req)}, though the largest free block (${bytes(sum.largestFree)}) would hold it: the allocation could not move (an in-place realloc), the heap was locked, or the heap changed before this snapshot.`,
      };
    }
    return {
      level: 'bad',
      text: `MemoryError: the heap is too full${req !== null ? ` for ${bytes(req)}` : ''} (${bytes(sum.free)} free, largest block ${bytes(sum.largestFree)}).`,
    };
  }
  if (sum.total > 0 && sum.used / sum.total > 0.9) {
    return { level: 'warn', text: `Nearly full: ${bytes(sum.used)} of ${bytes(sum.total)} used.` };
  }
  if (frag > 0.5 && sum.free > 0) {
    return {
      level: 'warn',
      text: `Fragmented: ${bytes(sum.free)} free, but the largest free block is only ${bytes(sum.largestFree)} (${Math.round(frag * 100)}% of free space is in smaller holes).`,
    };
  }
  return {
    level: 'ok',
    text: `Healthy: ${bytes(sum.used)} of ${bytes(sum.total)} used; the largest free block is ${bytes(sum.largestFree)}.`,
  };
}

export function Verdict({ sum, err }: { sum: HeapSummary; err: MemoryErrorInfo | null }) {
  const v = verdict(sum, err);
  return (
    <p class={`verdict ${v.level}`} data-testid="verdict">
      {v.text}
    </p>
  );
}

export function Figures({ s, sum }: { s: PackedSnapshot; sum: HeapSummary }) {
  const frag = sum.free > 0 ? Math.round(100 * (1 - sum.largestFree / sum.free)) : 0;
  return (
    <dl class="figures" data-testid="figures">
      <dt>used</dt>
      <dd>{bytes(sum.used)}</dd>
      <dt>free</dt>
      <dd>{bytes(sum.free)}</dd>
      <dt>largest free</dt>
      <dd>{bytes(sum.largestFree)}</dd>
      <dt>fragmentation</dt>
      <dd>{frag}%</dd>
      <dt>total</dt>
      <dd>{bytes(sum.total)}</dd>
      {s.stack && (
        <>
          <dt>stack</dt>
          <dd>
            {count(s.stack.used)}
            {s.stack.limit !== null ? ` of ${count(s.stack.limit)}` : ''}
          </dd>
        </>
      )}
      <dt>block</dt>
      <dd>{s.blockSize} B</dd>
    </dl>
  );
}

export function Breakdown({ types, blockSize }: { types: Record<string, TypeFigures>; blockSize: number }) {
  const usage = Object.entries(types)
    .map(([char, t]) => ({ char, ...t }))
    .sort((a, b) => b.blocks - a.blocks || a.char.localeCompare(b.char));
  return (
    <section class="panel">
      <h2>By type</h2>
      <table data-testid="breakdown">
        <thead>
          <tr>
            <th>type</th>
            <th>objects</th>
            <th>bytes</th>
            <th>largest</th>
          </tr>
        </thead>
        <tbody>
          {usage.map((u) => (
            <tr key={u.char}>
              <td>
                <Swatch char={u.char} /> {typeName(u.char)} <code>{u.char}</code>
              </td>
              <td>{count(u.count)}</td>
              <td>{bytes(u.bytes)}</td>
              <td>{bytes(u.largestBlocks * blockSize)}</td>
            </tr>
          ))}
          {usage.length === 0 && (
            <tr>
              <td colSpan={4}>no objects (no heap map in this snapshot)</td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}

export function Histogram({
  buckets,
  blockSize,
  tooSmallBelow,
}: {
  buckets: HistogramBucket[];
  blockSize: number;
  tooSmallBelow: number | null;
}) {
  const max = Math.max(1, ...buckets.map((b) => b.count));
  return (
    <section class="panel">
      <h2>Free holes by size</h2>
      <table class="histogram" data-testid="histogram">
        <tbody>
          {buckets.map((b) =>
            b.count === 0 ? null : (
              <tr key={b.minBlocks} class={tooSmallBelow && b.maxBlocks < tooSmallBelow ? 'too-small' : ''}>
                <td>
                  {b.minBlocks === b.maxBlocks
                    ? `${bytes(b.minBlocks * blockSize)}`
                    : `${bytes(b.minBlocks * blockSize)}–${bytes(b.maxBlocks * blockSize)}`}
                </td>
                <td class="bar-cell">
                  <span class="bar" style={{ width: `${(100 * b.count) / max}%` }} />
                </td>
                <td>
                  {count(b.count)} hole{b.count > 1 ? 's' : ''}
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </section>
  );
}

export function DiffPanel({
  diff,
  prevSeq,
  blockSize,
}: {
  diff: { blocks: MapDiff; figures: HeapDiff } | null;
  prevSeq: number | null;
  blockSize: number;
}) {
  const growth = diff
    ? Object.entries(diff.figures.types)
        .filter(([, g]) => g.count !== 0 || g.blocks !== 0)
        .map(([char, g]) => ({ char, ...g }))
        .sort((a, b) => b.bytes - a.bytes || a.char.localeCompare(b.char))
    : [];
  return (
    <section class="panel" data-testid="diff">
      <h2>Since the previous snapshot</h2>
      {!diff ? (
        <p>
          {prevSeq === null
            ? 'This is the first snapshot.'
            : 'The heap areas changed; no block-by-block diff.'}
        </p>
      ) : (
        <>
          <p>
            <span class="dot" style={{ background: COLOUR_NEW }} /> {count(diff.blocks.newObjects)} new
            objects ({bytes(diff.blocks.newBlocks * blockSize)}) ·{' '}
            <span class="dot" style={{ background: COLOUR_FREED }} />{' '}
            {bytes(diff.blocks.freedBlocks * blockSize)} freed · used {signed(diff.figures.usedBytesDelta)} B
          </p>
          <table data-testid="growth">
            <thead>
              <tr>
                <th>type</th>
                <th>objects</th>
                <th>bytes</th>
              </tr>
            </thead>
            <tbody>
              {growth.map((g) => (
                <tr key={g.char} class={g.blocks > 0 ? 'grew' : 'shrank'}>
                  <td>
                    <Swatch char={g.char} /> {typeName(g.char)}
                  </td>
                  <td>{signed(g.count)}</td>
                  <td>{signed(g.bytes)} B</td>
                </tr>
              ))}
              {growth.length === 0 && (
                <tr>
                  <td colSpan={3}>no change in objects per type</td>
                </tr>
              )}
            </tbody>
          </table>
          <p class="hint">
            Growth that stays after a gc.collect() is a leak; growth that comes and goes is garbage.
          </p>
        </>
      )}
    </section>
  );
}

export function MemoryErrorPanel({
  err,
  sum,
  blockSize,
  tooSmall,
  fitsNow,
}: {
  err: MemoryErrorInfo;
  sum: HeapSummary;
  blockSize: number;
  tooSmall: number;
  /** gc.c's first fit run on this snapshot's map (analysis/wouldAllocate); null when unknown. */
  fitsNow: boolean | null;
}) {
  const reqBlocks = err.request !== null ? Math.ceil(err.request / blockSize) : null;
  return (
    <section class="panel memory-error" data-testid="memory-error">
      <h2>{err.allocationFailed ? 'Allocation failed' : 'MemoryError'}</h2>
      <p class="output-line">{err.message}</p>
      {reqBlocks !== null ? (
        <p>
          Asked for <b>{bytes(err.request!)}</b> ({count(reqBlocks)} blocks); the largest free block is{' '}
          <b>{bytes(sum.largestFree)}</b> ({count(sum.largestFree / blockSize)} blocks) with {bytes(sum.free)}{' '}
          free in all. <span class="dot" style={{ background: COLOUR_TOO_SMALL }} /> {count(tooSmall)} holes
          too small for it are marked on the map.
          {fitsNow === true &&
            ' On this map it would fit now: the heap changed, or the allocation could not move.'}
          {fitsNow === false && " On this map, gc.c's first fit still finds no place for it."}
        </p>
      ) : (
        <p>The size asked for is not known; the largest free block was {bytes(sum.largestFree)}.</p>
      )}
    </section>
  );
}

export function OutputPanel({ s, all }: { s: PackedSnapshot; all: string }) {
  return (
    <section class="panel">
      <h2>Program output before this snapshot</h2>
      <pre class="output" data-testid="output">
        {s.outputBefore || '(none)'}
      </pre>
      {s.warnings.length > 0 && (
        <ul class="warnings" data-testid="warnings">
          {s.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {all && (
        <details>
          <summary>All program output ({count(all.length)} characters)</summary>
          <pre class="output" data-testid="all-output">
            {all}
          </pre>
        </details>
      )}
    </section>
  );
}

function Swatch({ char }: { char: string }) {
  const e = PALETTE.find((p) => p.char === char) ?? PALETTE.find((p) => p.char === 'h')!;
  return <span class="dot" style={{ background: e.rgb }} />;
}

export function Legend() {
  const heads = PALETTE.filter((e) => e.char !== '=' && e.char !== '.');
  return (
    <section class="panel legend" data-testid="legend">
      <h2>Legend</h2>
      <ul>
        {heads.map((e) => (
          <li key={e.char}>
            <span class="dot" style={{ background: e.rgb }} />
            <span class="dot" style={{ background: `rgb(${tailRgb(e.rgb).join(',')})` }} />{' '}
            <code>{e.char}</code> <b>{e.name}</b>: {LEGEND_BY_CHAR.get(e.char)?.meaning ?? ''}
          </li>
        ))}
        <li>
          <span
            class="dot"
            style={{ background: PALETTE.find((e) => e.char === '.')!.rgb, border: '1px solid #ccc' }}
          />{' '}
          <code>.</code> free
        </li>
      </ul>
      <p class="hint">
        One cell is one block. An object is its head (full colour) and its tails (the same colour, lighter).
        In the diff view, <span style={{ color: COLOUR_NEW }}>green</span> blocks are new since the previous
        snapshot, <span style={{ color: COLOUR_FREED }}>red</span> were freed, and the rest is greyed.
      </p>
    </section>
  );
}
