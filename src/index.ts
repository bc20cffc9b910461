/**
 * mpheap as a library. The CLI (src/cli) is a thin layer over these exports.
 *
 *   snapshot/   HeapSnapshot, the core model every source produces and every view consumes
 *   heap/       the block-exact model of py/gc.c (beside the sources: it produces snapshots too)
 *   trace/      heap-operation traces run on the model (`mpheap sim`)
 *   decode/     mem_info / mem_info(1) text of any version, from any stream, into snapshots
 *   engines/    the Engine interface and the embedded WebAssembly MicroPython
 *   device/     boards over serial or TCP: raw REPL, SerialEngine, BoardMonitor
 *   emulator/   QEMU's micro:bit with Debian's MicroPython firmware
 *   run/        a script on any Engine, snapshots, diagnosis, budgets, recording
 *   recording/  NDJSON recordings written as snapshots arrive
 *   analysis/   figures, wouldAllocate (gc.c's first fit), diff, timeline
 *   views/      terminal map, HTML report, live dashboard (the page itself is src/web)
 *   linker/     GNU ld scripts and map files: where the heap is and what GC total it gives
 */

export * from './analysis/index.js';
export * from './decode/index.js';
export * from './device/errors.js';
export * from './device/link.js';
export * from './device/monitor.js';
export * from './device/node/open-port.js';
export * from './device/node/serial-transport.js';
export * from './device/node/tcp-transport.js';
export * from './device/ports.js';
export * from './device/raw-repl.js';
export * from './device/serial-engine.js';
export type * from './device/transport.js';
export * from './device/web-serial-transport.js';
export * from './emulator/microbit.js';
export type * from './engines/engine.js';
export * from './engines/python/helper-module.js';
export { pythonString } from './engines/python/quote.js';
export { linesStartingInString } from './engines/python/scan.js';
export * from './engines/shims/index.js';
export * from './engines/traceback.js';
export * from './engines/wasm/wasm-engine.js';
export * from './fleet/agent-files.js';
export * from './fleet/alerts.js';
export * from './fleet/collector.js';
export * from './fleet/health.js';
export * from './fleet/open-store.js';
export * from './fleet/publisher.js';
export * from './fleet/record.js';
export * from './fleet/store.js';
export * from './heap/block-map.js';
export * from './heap/gc-heap.js';
export * from './heap/layout.js';
export * from './heap/mem-info-format.js';
export * from './heap/snapshot-of-heap.js';
export * from './linker/index.js';
export * from './run/budgets.js';
export * from './run/diagnosis.js';
export * from './run/heap-figures.js';
export * from './run/session.js';
export { snapshotCode } from './run/snapshot-code.js';
export * from './run/split-statements.js';
export * from './run/summary.js';
export * from './snapshot/map-codec.js';
export * from './snapshot/serialize.js';
export * from './snapshot/snapshot.js';
export * from './trace/compare.js';
export * from './trace/parse.js';
export * from './trace/run.js';
export * from './util/size.js';
export * from './views/fleet/page.js';
export * from './views/live/dashboard.js';
export * from './views/palette.js';
export * from './views/report/format.js';
export * from './views/report/trace-snapshots.js';
export * from './views/report/write-report.js';
export * from './views/terminal/index.js';
