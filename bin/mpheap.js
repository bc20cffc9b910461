#!/usr/bin/env node
// The published entry point: runs the compiled CLI that `npm ci` builds through `prepare`.
import { main } from '../dist/cli/main.js';

// `mpheap decode big.log | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`mpheap: ${err?.stack ?? err}`);
    process.exitCode = 70;
  },
);
