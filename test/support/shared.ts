/** Locates ../shared (the golden vectors, the corpus and the spec) next to the repository. */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '..', '..');

function findShared(): string {
  const candidates = [process.env.MPHEAP_SHARED, join(REPO_ROOT, '..', 'shared'), join(REPO_ROOT, 'shared')];
  for (const c of candidates) if (c && existsSync(join(c, 'vectors'))) return c;
  throw new Error(
    `shared/ not found next to the repository (looked in ${candidates.filter(Boolean).join(', ')})`,
  );
}

export const SHARED = findShared();
export const VECTORS = join(SHARED, 'vectors');
export const CORPUS = join(SHARED, 'corpus');

/** Every trace under shared/vectors (quirks included), as paths relative to VECTORS. */
export function vectorTraces(): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name), join(rel, e.name));
      else if (e.name.endsWith('.trace')) out.push(join(rel, e.name));
    }
  };
  walk(VECTORS, '');
  return out.sort();
}
