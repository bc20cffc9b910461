/**
 * "Connect a board": in a browser with WebSerial (Chrome, Edge), the page talks to a board by
 * itself, with nothing else installed. The board is watched with the same BoardMonitor as
 * `mpheap monitor` (decoder included): every mem_info it prints is added to the page, and while
 * it idles at its `>>>` prompt the heap is sampled every few seconds (never interrupting a
 * running program). Without WebSerial (Firefox, Safari, a page from a plain http:// origin) the
 * button is not shown at all.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { BoardMonitor } from '../device/monitor.js';
import { type SerialPortLike, WebSerialTransport, webSerialName } from '../device/web-serial-transport.js';
import { DEFAULT_HISTORY_BYTES } from '../views/live/live-history.js';
import type { Session } from './session.js';

/** The part of `navigator.serial` the page uses. */
export interface SerialLike {
  requestPort(): Promise<SerialPortLike>;
}

export function webSerial(): SerialLike | null {
  return (navigator as Navigator & { serial?: SerialLike }).serial ?? null;
}

/** How often to sample the heap while the board sits at its prompt. */
export const BOARD_POLL_MS = 2000;

type State = 'idle' | 'connecting' | 'connected';

export function BoardConnect({ session }: { session: Session }) {
  const serial = useRef(webSerial()).current;
  const [state, setState] = useState<State>('idle');
  const [error, setError] = useState('');
  const [name, setName] = useState('');
  const monitor = useRef<BoardMonitor | null>(null);
  // Leaving the page must let go of the port, or the next tab cannot open it.
  useEffect(() => () => void monitor.current?.stop(), []);
  if (!serial) return null;

  const connect = async () => {
    setError('');
    let port: SerialPortLike;
    try {
      port = await serial.requestPort();
    } catch (e) {
      // The user closed the chooser without picking a port: nothing to say.
      if ((e as Error).name !== 'NotFoundError') setError((e as Error).message);
      return;
    }
    const portName = webSerialName(port);
    setState('connecting');
    // A board polled for hours: the page holds what a live dashboard would, no more.
    session.keepAtMost(DEFAULT_HISTORY_BYTES);
    const m = new BoardMonitor({
      connect: () => new WebSerialTransport(port),
      source: portName,
      pollMs: BOARD_POLL_MS,
      onSnapshot: (s) => session.addSnapshot(s),
      onOutput: (text) => session.addOutput(text),
      onEvent: (event, fields) => {
        const message = event === 'gap' ? String(fields.reason) : 'reconnected';
        session.addEvent({ event, time: Date.now(), seq: null, message, request: null });
        session.setStatus(event === 'gap' ? 'board: lost, waiting for it to come back' : 'board: connected');
      },
    });
    try {
      await m.start();
    } catch (e) {
      setState('idle');
      setError((e as Error).message);
      return;
    }
    monitor.current = m;
    setName(portName);
    setState('connected');
    session.setStatus('board: connected');
  };

  const disconnect = async () => {
    const m = monitor.current;
    monitor.current = null;
    await m?.stop();
    setState('idle');
    session.setStatus('board: disconnected');
  };

  return (
    <section class="panel device" data-testid="board">
      {state === 'connected' ? (
        <>
          <span data-testid="board-name">
            Watching <b>{name}</b>: every mem_info it prints appears here; at its prompt the heap is sampled
            every {BOARD_POLL_MS / 1000} s.
          </span>
          <button type="button" data-testid="disconnect-board" onClick={() => void disconnect()}>
            Disconnect
          </button>
        </>
      ) : (
        <>
          <button
            type="button"
            data-testid="connect-board"
            disabled={state === 'connecting'}
            onClick={() => void connect()}
          >
            {state === 'connecting' ? 'Connecting…' : 'Connect a board'}
          </button>
          <span class="hint">over USB serial (WebSerial): the board keeps running; nothing is reset</span>
        </>
      )}
      {error && (
        <span class="warnings" data-testid="board-error">
          {error}
        </span>
      )}
    </section>
  );
}
