/**
 * Where each box of the icicle graph goes: the focused box (the one zoomed into) spans the whole
 * width, the boxes above it (the way back to the root) too, and everything below it shares its
 * width in proportion to the measure. Boxes narrower than a pixel are left out (their parent
 * still counts them).
 */
import type { ProfileMeasure, ProfileNode } from '../analysis/profile-tree.js';

export interface IcicleBox {
  node: ProfileNode;
  /** Pixels from the left, and wide. */
  x: number;
  w: number;
  /** Row (the root's is 0). */
  row: number;
  /** On the way from the root to the focus (drawn full width; click to zoom out to it). */
  above: boolean;
}

/** Boxes narrower than this are not drawn. */
export const MIN_BOX_PX = 1;

export function layoutIcicle(focus: ProfileNode, measure: ProfileMeasure, width: number): IcicleBox[] {
  const out: IcicleBox[] = [];
  for (let p = focus.parent; p; p = p.parent)
    out.unshift({ node: p, x: 0, w: width, row: p.depth, above: true });
  const total = focus.width[measure];
  const scale = total > 0 ? width / total : 0;
  const place = (n: ProfileNode, x: number, w: number) => {
    out.push({ node: n, x, w, row: n.depth, above: false });
    let cx = x;
    for (const c of n.children) {
      const cw = c.width[measure] * scale;
      if (cw >= MIN_BOX_PX) place(c, cx, cw);
      cx += cw;
    }
  };
  place(focus, 0, width);
  return out;
}
