/** The page: header and verdict, timeline and slider, the map, and the panels beside it. */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { diff as heapDiff } from '../analysis/diff.js';
import { heapFigures } from '../analysis/figures.js';
import { heapVerdict, incompleteWhy } from '../analysis/verdict.js';
import { wouldAllocate } from '../analysis/would-allocate.js';
import type { SnapshotProfile } from '../snapshot/profile.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import type { PackedSnapshot } from '../views/report/format.js';
import { diffMaps, freeRuns } from './heap-figures.js';
import type { MapCanvas } from './map-canvas.js';
import { MapView } from './map-view.js';
import {
  Breakdown,
  DiffPanel,
  Figures,
  Histogram,
  Legend,
  MemoryErrorPanel,
  OutputPanel,
  Verdict,
} from './panels.js';
import { BlameList, LineLegend, ProfilePanel, useSnapshotProfile } from './profile-view.js';
import type { Session } from './session.js';
import { count } from './text.js';
import { Timeline } from './timeline.js';

export interface PageHooks {
  select(i: number): void;
  selected(): number;
  /** Resolves after the next render has been committed. */
  rendered(): Promise<void>;
  canvas(): MapCanvas | null;
  session: Session;
}

declare global {
  interface Window {
    mpheap?: PageHooks;
  }
}

let renderedWaiters: (() => void)[] = [];
let mapCanvas: MapCanvas | null = null;

export function App({ session, extra }: { session: Session; extra?: preact.ComponentChildren }) {
  const [version, setVersion] = useState(session.version);
  const n = session.snapshots.length;
  // A report opens on what matters most: its first MemoryError, else the last snapshot. The
  // live dashboard follows the newest. Found once, for the initial state, not on every render.
  const [opening] = useState(() => (session.data.live ? -1 : firstMemoryError(session)));
  const [sel, setSel] = useState(opening >= 0 ? opening : Math.max(0, n - 1));
  const [view, setView] = useState<'types' | 'diff' | 'lines'>('types');
  const [follow, setFollow] = useState(opening < 0);
  // The key handler reads the selection from here: a listener bound to one render's `sel` can
  // still fire after the next render committed (effects run later), and would step from a stale
  // snapshot (← then → quickly landed one past where it started).
  const selRef = useRef(sel);
  selRef.current = sel;

  const select = (i: number) => {
    const last = session.snapshots.length - 1;
    const v = Math.min(last, Math.max(0, i));
    setSel(v);
    setFollow(v === last);
  };

  // A live page drops its oldest snapshots to bound memory (session.ts): the one looked at keeps
  // being looked at, at its new index.
  const droppedRef = useRef(session.droppedSnapshots);

  useEffect(() => {
    const sync = () => {
      setVersion(session.version);
      const dropped = session.droppedSnapshots - droppedRef.current;
      droppedRef.current = session.droppedSnapshots;
      if (follow) setSel(Math.max(0, session.snapshots.length - 1));
      else if (dropped > 0) setSel((v) => Math.max(0, v - dropped));
    };
    const unsubscribe = session.subscribe(sync);
    // The live stream starts before the first render, and a page opened late receives the whole
    // history in one burst: whatever arrived before this subscription must be drawn now.
    sync();
    return unsubscribe;
  }, [follow]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return;
      if (e.key === 'ArrowLeft') select(selRef.current - 1);
      else if (e.key === 'ArrowRight') select(selRef.current + 1);
      else if (e.key === 'Home') select(0);
      else if (e.key === 'End') select(session.snapshots.length - 1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    window.mpheap = {
      select: (k: number) => {
        select(k);
        // Nothing to re-render when it is already shown: release whoever waits for a render.
        if (Math.min(session.snapshots.length - 1, Math.max(0, k)) === sel) {
          const w = renderedWaiters;
          renderedWaiters = [];
          queueMicrotask(() => {
            for (const r of w) r();
          });
        }
      },
      selected: () => sel,
      rendered: () => new Promise((r) => renderedWaiters.push(r)),
      canvas: () => mapCanvas,
      session,
    };
  });

  // Layout effects run right after the DOM is updated (children's first, so the map is drawn):
  // "rendered" means the new snapshot is on screen, not one animation frame later.
  useLayoutEffect(() => {
    const w = renderedWaiters;
    renderedWaiters = [];
    for (const r of w) r();
  });

  const collections = useMemo(
    () => session.data.events.flatMap((e) => (e.event === 'collect' && e.collect ? [e.collect] : [])),
    [version],
  );

  const memoryErrors = useMemo(() => {
    const set = new Set<number>();
    for (let i = 0; i < session.snapshots.length; i++) if (session.memoryError(i)) set.add(i);
    return set;
  }, [version]);

  if (n === 0) {
    return (
      <main>
        <Header session={session} />
        {extra}
        <p class="empty" data-testid="empty">
          {session.data.live ? 'Waiting for the first snapshot…' : 'No snapshots in this report.'}
        </p>
      </main>
    );
  }

  const i = Math.min(sel, n - 1);
  const s = session.snapshots[i];
  const joined = session.store.joined(i);
  const maps = session.store.areaMaps(i);
  const prev = i > 0 ? session.snapshots[i - 1] : null;
  const sameLayout =
    prev !== null &&
    prev.areas.length === s.areas.length &&
    prev.areas.every((a, k) => a.blocks === s.areas[k].blocks) &&
    s.areas.length > 0;
  // With a heap profile (mpheap run --profile): each block's allocation, by stack.
  const profile = session.profile;
  const joinedOwners = session.store.joinedOwners(i);
  const owners = session.store.areaOwners(i);
  const alive = session.store.profile(i)?.alive;
  const snap = withMaps(s, maps, owners && alive ? { owners, alive } : null);
  const figures = useMemo(() => heapFigures(snap), [joined]);
  const diff = useMemo(() => {
    if (!sameLayout) return null;
    const before = withMaps(prev!, session.store.areaMaps(i - 1));
    return { blocks: diffMaps(session.store.joined(i - 1), joined), figures: heapDiff(before, snap) };
  }, [i, joined]);
  const runs = useMemo(() => freeRuns(maps), [joined]);
  const err = session.memoryError(i);
  const bs = s.blockSize;
  const verdict = heapVerdict(snap, { memoryError: err, heapCanGrow: session.data.heapCanGrow }, figures);
  const reqBlocks = err?.request != null ? Math.ceil(err.request / bs) : null;
  const byLine = view === 'lines' && profile !== null && owners !== null;
  const prof = useSnapshotProfile({
    profile,
    snapshot: snap,
    joined,
    owners,
    joinedOwners,
    byLine,
    request: err?.request ?? null,
    figures: verdict.figures,
  });
  // The same element while the profile is the same: the panel is the run's, not the snapshot's,
  // so stepping through snapshots does not draw it again.
  const profilePanel = useMemo(() => profile && <ProfilePanel profile={profile} />, [profile]);
  const mode = useMemo(
    () => ({
      diff: view === 'diff' ? (diff?.blocks.flags ?? null) : null,
      // By line on a snapshot without a profile: the map by type, as it says.
      tooSmallBelow: view === 'types' || (view === 'lines' && !byLine) ? reqBlocks : null,
      blockColours: prof.blockColours,
    }),
    [view, diff, reqBlocks, prof.blockColours, byLine],
  );

  return (
    <main>
      <Header session={session} />
      {extra}
      <section class="panel now">
        <div class="snap-title" data-testid="snapshot-title">
          Snapshot #{s.seq} ({count(i + 1)} of {count(n)}){s.label && <span class="label"> · {s.label}</span>}
          {s.trigger && <span class="trigger"> · {s.trigger}</span>}
          {s.time !== null && <span class="time"> · {new Date(s.time).toLocaleString()}</span>}
          <span class="source"> · {s.source}</span>
          {!s.complete && <span class="incomplete"> · incomplete: {incompleteWhy(snap)}</span>}
        </div>
        <Verdict v={verdict} />
        <input
          type="range"
          class="slider"
          data-testid="slider"
          min={0}
          max={n - 1}
          value={i}
          aria-label="snapshot"
          onInput={(e) => select(Number((e.target as HTMLInputElement).value))}
        />
        <Figures s={s} f={verdict.figures} />
      </section>
      <Timeline
        snapshots={session.snapshots}
        version={version}
        selected={i}
        memoryErrors={memoryErrors}
        collections={collections}
        onSelect={select}
      />
      <div class="view-switch">
        <label>
          <input
            type="radio"
            name="view"
            checked={view === 'types'}
            onChange={() => setView('types')}
            data-testid="view-types"
          />{' '}
          by type
        </label>
        <label>
          <input
            type="radio"
            name="view"
            checked={view === 'diff'}
            onChange={() => setView('diff')}
            data-testid="view-diff"
          />{' '}
          what changed since the previous snapshot
        </label>
        {profile && (
          <label title={owners ? undefined : 'this snapshot carries no profile'}>
            <input
              type="radio"
              name="view"
              checked={view === 'lines'}
              disabled={!owners}
              onChange={() => setView('lines')}
              data-testid="view-lines"
            />{' '}
            by source line
          </label>
        )}
      </div>
      {s.areas.length > 0 ? (
        <MapView
          snapshot={s}
          maps={maps}
          joined={joined}
          mode={mode}
          describeMore={prof.describe}
          onCanvas={(c) => {
            mapCanvas = c;
          }}
        />
      ) : (
        <p class="panel">This snapshot has no heap map (mem_info() without the 1).</p>
      )}
      {byLine && prof.colours && <LineLegend snapshot={snap} colours={prof.colours} />}
      {err && (
        <MemoryErrorPanel
          err={err}
          f={verdict.figures}
          blockSize={bs}
          tooSmall={reqBlocks ? runs.filter((r) => r < reqBlocks).length : 0}
          fitsNow={err.request != null && s.areas.length > 0 ? wouldAllocate(snap, err.request).fits : null}
        >
          <BlameList sentences={prof.blame} />
        </MemoryErrorPanel>
      )}
      <div class="columns">
        <DiffPanel diff={diff} prevSeq={prev ? i - 1 : null} blockSize={bs} />
        <Breakdown types={figures.types} blockSize={bs} />
        <Histogram buckets={figures.holeHistogram} blockSize={bs} tooSmallBelow={reqBlocks} />
      </div>
      {profilePanel}
      <OutputPanel s={s} all={session.data.output} />
      <Legend />
    </main>
  );
}

function Header({ session }: { session: Session }) {
  return (
    <header>
      <h1 data-testid="title">{session.data.title}</h1>
      {session.status && (
        <span class="status" data-testid="status">
          {session.status}
        </span>
      )}
    </header>
  );
}

function firstMemoryError(session: Session): number {
  for (let i = 0; i < session.snapshots.length; i++) if (session.memoryError(i)) return i;
  return -1;
}

/** The packed snapshot with its unpacked maps (and profile), as analysis/ takes it (no copying). */
function withMaps(
  s: PackedSnapshot,
  maps: Uint8Array[],
  profile: SnapshotProfile | null = null,
): HeapSnapshot {
  const { maps: _m, patch: _p, profile: _packed, areas, ...rest } = s;
  return {
    ...rest,
    areas: areas.map((a, k) => ({ base: a.base, offsetDigits: a.offsetDigits, map: maps[k] })),
    ...(profile ? { profile } : {}),
  };
}
