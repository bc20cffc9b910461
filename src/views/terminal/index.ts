/** The terminal view: one snapshot as coloured text (reused by decode, run and monitor). */
export { LEGEND, LEGEND_BY_CHAR, type LegendEntry } from './legend.js';

import { wrapText } from '../../util/text.js';

export { renderSnapshot, snapshotTitle, type TerminalOptions, verdict } from './render.js';

/** The terminal's width for wrapping, or null when the output is not a terminal (lines stay whole). */
export function terminalColumns(
  stream: { isTTY?: boolean; columns?: number } = process.stdout,
): number | null {
  return stream.isTTY === true && stream.columns ? stream.columns : null;
}

/** Lines wider than the terminal wrapped to it, each continuation under its line's text. */
export function wrapForTerminal(
  text: string,
  stream: { isTTY?: boolean; columns?: number } = process.stdout,
): string {
  const columns = terminalColumns(stream);
  return columns === null ? text : wrapText(text, columns);
}

/** Colour unless --no-color, NO_COLOR, or output is not a terminal (FORCE_COLOR overrides). */
export function wantColor(flag: boolean | undefined, stream: { isTTY?: boolean } = process.stdout): boolean {
  if (flag === false) return false;
  if ('NO_COLOR' in process.env && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}
