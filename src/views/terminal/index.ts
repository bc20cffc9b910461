/** The terminal view: one snapshot as coloured text (reused by decode, run and monitor). */
export { LEGEND, LEGEND_BY_CHAR, type LegendEntry } from './legend.js';
export { renderSnapshot, snapshotTitle, type TerminalOptions, verdict } from './render.js';

/** Colour unless --no-color, NO_COLOR, or output is not a terminal (FORCE_COLOR overrides). */
export function wantColor(flag: boolean | undefined, stream: { isTTY?: boolean } = process.stdout): boolean {
  if (flag === false) return false;
  if ('NO_COLOR' in process.env && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}
