/** Heap analysis: figures, would-it-fit, diffs and timelines. Browser-safe (no Node APIs). */
export * from './diff.js';
export * from './figures.js';
export * from './map-stats.js';
export * from './snapshot-json.js';
export * from './timeline.js';
export * from './verdict.js';
export * from './would-allocate.js';
