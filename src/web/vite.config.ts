/**
 * Builds the browser views into one script and one stylesheet (dist/web/mpheap-web.{js,css}),
 * which the report writer inlines into each report and the dashboard serves inline too: no
 * network, no other files.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: resolve(here, '..', '..', 'dist', 'web'),
    emptyOutDir: true,
    target: 'es2022',
    cssCodeSplit: false,
    lib: {
      entry: resolve(here, 'main.tsx'),
      formats: ['iife'],
      name: 'mpheapWeb',
      fileName: () => 'mpheap-web.js',
      cssFileName: 'mpheap-web',
    },
  },
});
