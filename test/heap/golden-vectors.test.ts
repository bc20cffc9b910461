import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace } from '../../src/trace/parse.js';
import { runTrace } from '../../src/trace/run.js';
import { VECTORS, vectorTraces } from '../support/shared.js';

const traces = vectorTraces();

describe('golden vectors from MicroPython gc.c', () => {
  it('finds every vector', () => {
    expect(traces.length).toBeGreaterThanOrEqual(37);
  });

  for (const rel of traces) {
    for (const wordSize of [4, 8] as const) {
      it(`${rel} w${wordSize} matches byte for byte`, () => {
        const path = join(VECTORS, rel);
        const expected = readFileSync(path.replace(/\.trace$/, `.w${wordSize}.out`), 'utf8');
        const trace = parseTrace(readFileSync(path, 'utf8'), rel);
        const { output } = runTrace(trace, { wordSize });
        expect(output).toBe(expected);
      });
    }
  }
});
