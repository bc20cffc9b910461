import { describe, expect, it } from 'vitest';
import { rewriteImports } from '../../src/device/module-imports.js';

const mods = new Set(['mpheap']);

describe('import rewriting for modules kept in a global', () => {
  it('turns imports of the module into uses of the global, one line each', () => {
    const code = [
      'import mpheap',
      'import gc, mpheap as m  # why',
      'from mpheap import snap, memory_error as me',
      '    from mpheap import (snap)',
      'from mpheap import *',
      'import mpheapx',
      'x = 1',
    ].join('\n');
    expect(rewriteImports(code, mods).split('\n')).toEqual([
      'pass',
      'import gc; m = mpheap',
      'snap = mpheap.snap; me = mpheap.memory_error',
      '    snap = mpheap.snap',
      'for _k in dir(mpheap): globals()[_k] = getattr(mpheap, _k)',
      'import mpheapx',
      'x = 1',
    ]);
  });

  it('leaves code alone when every module is a real one', () => {
    expect(rewriteImports('import mpheap\n', new Set())).toBe('import mpheap\n');
  });
});
