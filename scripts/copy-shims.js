// Copies the board shims' Python sources next to their compiled index in dist/ (tsc copies
// only what it compiles), so dist/engines/shims/*.py exist for the engine and for `npm pack`.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, 'src', 'engines', 'shims');
const to = join(root, 'dist', 'engines', 'shims');
mkdirSync(to, { recursive: true });
let n = 0;
for (const file of readdirSync(from)) {
  if (!file.endsWith('.py')) continue;
  copyFileSync(join(from, file), join(to, file));
  n++;
}
if (n === 0) throw new Error(`no shim sources in ${from}`);
