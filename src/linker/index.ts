/** Linker scripts and map files: where the GC heap is and how big gc_init will make it. */
export { type AnalyzeOptions, analyzeLinker, UnknownMcuError } from './analyze.js';
export type { Expr, Statement } from './ast.js';
export { ElfError, type ElfSymbols, readElfSymbols } from './elf.js';
export {
  type EvaluateOptions,
  type Evaluation,
  evaluateScript,
  type LinkFacts,
  type SymbolInfo,
  type Value,
} from './evaluate.js';
export {
  buildReport,
  type GcFigures as LinkerGcFigures,
  gcFigures,
  type LinkerReport,
} from './heap-report.js';
export { loadScripts, parseDefsym } from './load.js';
export { type MapFile, parseMapFile } from './map-file.js';
export { findMcu, MCUS, type McuInfo, mcuFromFileName } from './mcus.js';
export { parseExpression, parseScript } from './parser.js';
export { LinkerScriptError, type SourceLocation, SourceText } from './source.js';
