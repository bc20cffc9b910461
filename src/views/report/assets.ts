/**
 * Finds the browser bundle that `npm run build` made with vite (dist/web/mpheap-web.{js,css}) so
 * the report writer can inline it. Works from dist/ (the installed CLI) and from src/ (tests run
 * on the TypeScript sources after a build).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WebAssets {
  js: string;
  css: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const CANDIDATES = [
  resolve(here, '..', '..', 'web'), // dist/views/report → dist/web
  resolve(here, '..', '..', '..', 'dist', 'web'), // src/views/report → dist/web
];

let cached: WebAssets | null = null;

export function webAssetsDir(): string {
  const dir = CANDIDATES.find((d) => existsSync(join(d, 'mpheap-web.js')));
  if (!dir) {
    throw new Error(
      `the web bundle is missing (looked for mpheap-web.js in ${CANDIDATES.join(', ')}); run \`npm run build\``,
    );
  }
  return dir;
}

export function loadWebAssets(): WebAssets {
  if (cached) return cached;
  const dir = webAssetsDir();
  const js = readFileSync(join(dir, 'mpheap-web.js'), 'utf8');
  const cssPath = join(dir, 'mpheap-web.css');
  const css = existsSync(cssPath) ? readFileSync(cssPath, 'utf8') : '';
  cached = { js, css };
  return cached;
}
