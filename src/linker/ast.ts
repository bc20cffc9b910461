/**
 * What the parser keeps of a linker script: the statements that give values (MEMORY regions, symbol
 * assignments, PROVIDE, ASSERT, REGION_ALIAS) and the output sections with the region they go to.
 * Input section descriptions (`*(.text*)`) are read and dropped: they only matter to a real link.
 */
import type { SourceLocation } from './source.js';

export type Expr =
  | { k: 'num'; value: bigint }
  | { k: 'sym'; name: string; loc: SourceLocation }
  /** The location counter `.`: only a real link knows it. */
  | { k: 'dot'; loc: SourceLocation }
  | { k: 'unary'; op: string; e: Expr }
  | { k: 'binary'; op: string; l: Expr; r: Expr; loc: SourceLocation }
  | { k: 'cond'; c: Expr; t: Expr; f: Expr }
  /** A builtin: ORIGIN(RAM), ALIGN(8), DEFINED(x), SIZEOF(.bss), MAX(a, b)... `name` for name arguments. */
  | { k: 'call'; fn: string; args: Expr[]; name?: string; loc: SourceLocation };

/** Where a statement sits: outside SECTIONS, in SECTIONS, or inside one output section. */
export interface StatementContext {
  inSections: boolean;
  outputSection?: string;
}

export type Statement =
  | {
      k: 'assign';
      name: string;
      /** '=' or a compound operator ('+=', '-=', ...). */
      op: string;
      expr: Expr;
      /** PROVIDE / PROVIDE_HIDDEN: only defines the symbol when nothing else does. */
      provide: boolean;
      loc: SourceLocation;
      ctx: StatementContext;
    }
  | { k: 'assert'; expr: Expr; message: string; loc: SourceLocation; ctx: StatementContext }
  | {
      k: 'region';
      name: string;
      attributes: string;
      origin: Expr;
      length: Expr;
      loc: SourceLocation;
    }
  | { k: 'alias'; alias: string; region: string; loc: SourceLocation }
  | {
      k: 'section';
      name: string;
      /** `> RAM`: where it runs. */
      region?: string;
      /** `AT> FLASH`: where it is loaded from. */
      loadRegion?: string;
      loc: SourceLocation;
    };
