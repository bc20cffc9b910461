import { describe, expect, it } from 'vitest';
import { indentCode } from '../../src/engines/python/scan.js';

describe('indentCode', () => {
  it('indents each line but blank ones and those that start inside a multi-line string', () => {
    const source = ['x = 1', '', 's = """a', 'b', '  c"""', 'if x:', '    y = 2', '   '].join('\n');
    expect(indentCode(source, '  ')).toEqual([
      '  x = 1',
      '',
      '  s = """a',
      'b',
      '  c"""',
      '  if x:',
      '      y = 2',
      '   ',
    ]);
  });
});
