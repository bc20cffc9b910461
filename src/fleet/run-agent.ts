/**
 * `mpheap run SCRIPT --publish URL --device-id ID`: the agent runs beside the script in the same
 * interpreter. It starts (first record) before the script, the script may call
 * `mpheap_agent.sample()` or `.tick()` itself as a device's main loop would, and one more
 * record is taken after it ends. The records reach MQTT through the RecordPublisher.
 */
import type { Engine } from '../engines/engine.js';
import { pythonString } from '../engines/python/quote.js';
import { gcTotalFor } from '../heap/layout.js';
import { agentFiles } from './agent-files.js';

/** 2020-01-01T00:00:00Z. */
export const BOOT_EPOCH_S = 1_577_836_800;

export async function startAgentBeside(
  engine: Engine,
  opts: { deviceId: string; heapBytes: number | null; onOutput: (text: string) => void },
): Promise<void> {
  // The embedded engine gets the files in its own file system; a board must have them installed.
  if (engine.provideModule && engine.info.kind === 'wasm')
    for (const f of agentFiles()) await engine.provideModule(f.name.replace(/\.py$/, ''), f.source);
  // The pool gc_init makes of the engine's region: the agent cannot ask a growable heap its size.
  const pool =
    engine.info.kind === 'wasm' && opts.heapBytes !== null
      ? gcTotalFor(opts.heapBytes, { wordSize: engine.info.wordSize, gapByte: true })
      : null;
  // No file system survives between runs of the embedded engine: its start time is the boot, in
  // seconds since 2020 (a Unix time would not be a small int, and a sample cannot allocate).
  const boot = engine.info.kind === 'wasm' ? `, boot=${Math.floor(Date.now() / 1000) - BOOT_EPOCH_S}` : '';
  const r = await engine.exec(
    `import mpheap_agent\nmpheap_agent.start(${pythonString(opts.deviceId)}, every=1${boot}${pool ? `, heap=${pool}` : ''})\n`,
    { onOutput: opts.onOutput, timeoutMs: 30_000 },
  );
  if (r.error?.type === 'ImportError' && engine.info.kind !== 'wasm')
    throw new Error(
      "mpheap_agent is not on the board: put it there with 'mpheap agent install --port …' first",
    );
  if (r.error) throw new Error(`mpheap_agent did not start: ${r.error.type}: ${r.error.message}`);
}

export async function finalSample(engine: Engine, onOutput: (text: string) => void): Promise<void> {
  await engine.exec('mpheap_agent.sample()\n', { onOutput, timeoutMs: 10_000 });
}
