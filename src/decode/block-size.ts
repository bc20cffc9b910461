/**
 * The block size a header alone allows. `GC: total/used/free` are whole blocks in bytes and
 * ` No. of 1-blocks` counts blocks, so a block size the figures do not divide, or that would
 * make the longest free run or object bigger than the bytes free or used, is ruled out.
 * 32-bit ports have 16-byte blocks and 64-bit ports 32-byte blocks; when both fit, the header
 * cannot tell, and the caller must say so rather than guess.
 */
import type { BlockFigures, GcFigures } from '../snapshot/snapshot.js';

const CANDIDATES = [16, 32] as const;

export function blockSizeOfHeader(gc: GcFigures | null, blocks: BlockFigures | null): number | null {
  if (!gc || gc.total === null || gc.used === null || gc.free === null) return null;
  const { total, used, free } = gc;
  const fits = CANDIDATES.filter((bs) => {
    if (total % bs !== 0 || used % bs !== 0 || free % bs !== 0) return false;
    if (!blocks) return true;
    const headsAndTails = blocks.one + 2 * blocks.two + (blocks.maxBlock > 2 ? blocks.maxBlock : 0);
    if (headsAndTails * bs > used) return false;
    if (blocks.maxFree !== null && blocks.maxFree * bs > free) return false;
    return true;
  });
  return fits.length === 1 ? fits[0] : null;
}
