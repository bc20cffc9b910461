/** util/text.ts helpers shared by the views: HTML escaping and counted nouns. */
import { describe, expect, it } from 'vitest';
import { escapeHtml, plural } from '../../src/util/text.js';

describe('escapeHtml', () => {
  it('turns every character that could start markup or end an attribute into an entity', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&amp;`)).toBe(
      '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;amp;',
    );
  });

  it('leaves other text as it is', () => {
    expect(escapeHtml('meter-12: largestFree is 795 (±3) — ok')).toBe(
      'meter-12: largestFree is 795 (±3) — ok',
    );
  });
});

describe('plural', () => {
  it('counts with en-US separators and picks the noun', () => {
    expect(plural(1, 'device')).toBe('1 device');
    expect(plural(0, 'device')).toBe('0 devices');
    expect(plural(1024, 'byte')).toBe('1,024 bytes');
    expect(plural(2, 'child', 'children')).toBe('2 children');
  });
});
