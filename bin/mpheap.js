#!/usr/bin/env node
// The published entry point: runs the compiled CLI that `npm ci` builds through `prepare`.
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`mpheap: ${err?.stack ?? err}`);
    process.exitCode = 70;
  },
);
