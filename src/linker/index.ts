/** Linker scripts and map files: where the GC heap is and how big gc_init will make it. */
export * from './analyze.js';
export type * from './ast.js';
export * from './evaluate.js';
export * from './heap-report.js';
export * from './lexer.js';
export * from './load.js';
export * from './map-file.js';
export * from './mcus.js';
export * from './parser.js';
export * from './source.js';
