/** The one line every command says after writing an HTML report. */
import { formatHumanSize } from '../../util/size.js';
import { plural } from '../../util/text.js';

/** `wrote heap.html: 3 snapshots, 41.2 KiB`. */
export function wroteReport(path: string, snapshots: number, bytes: number): string {
  return `wrote ${path}: ${plural(snapshots, 'snapshot')}, ${formatHumanSize(bytes)}`;
}
