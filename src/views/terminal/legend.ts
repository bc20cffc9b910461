/**
 * What every map character means, in words: the "decoder ring" of the widely read article on
 * managing the MicroPython heap, corrected for how gc.c actually prints (spec §3 and §7):
 * `h` is any other object or raw memory, not qstr data; `m` appears only during a collection;
 * `A` is bytearray or array; `S` is str or bytes; `B` is a bytecode function.
 */

export interface LegendEntry {
  char: string;
  name: string;
  /** One sentence a MicroPython developer can act on. */
  meaning: string;
  /** A few words for the one-line legend under a map (`B` is a function, not bytes). */
  short: string;
}

export const LEGEND: readonly LegendEntry[] = [
  {
    char: '.',
    name: 'free',
    meaning: 'a free block (16 bytes on 32-bit builds, 32 on 64-bit)',
    short: 'free',
  },
  {
    char: '=',
    name: 'tail',
    meaning: 'continues the object that starts at the letter before it',
    short: 'more of the object',
  },
  { char: 'T', name: 'tuple', meaning: 'a tuple', short: 'tuple' },
  {
    char: 'L',
    name: 'list',
    meaning: 'a list object (its items live in a separate h block)',
    short: 'list',
  },
  {
    char: 'D',
    name: 'dict',
    meaning: 'a dict object (its table lives in a separate h block)',
    short: 'dict',
  },
  {
    char: 'S',
    name: 'str/bytes',
    meaning: 'a str or bytes object (long text is stored in an h block after it)',
    short: 'str/bytes',
  },
  {
    char: 'A',
    name: 'bytearray/array',
    meaning: 'a bytearray or array.array object (its data usually follows as h)',
    short: 'bytearray/array',
  },
  { char: 'F', name: 'float', meaning: 'a boxed float', short: 'float' },
  {
    char: 'B',
    name: 'function',
    meaning: 'a bytecode function (a def or lambda)',
    short: 'function (not bytes)',
  },
  { char: 'M', name: 'module', meaning: 'a module object', short: 'module' },
  {
    char: 'h',
    name: 'other',
    meaning:
      'any other object or raw memory: instances, sets, closures, big ints, exceptions, list items, dict tables, string and buffer data, bytecode (not "qstr data")',
    short: 'other (instances, list items, data…)',
  },
  {
    char: 'm',
    name: 'marked',
    meaning:
      'found reachable by a collection in progress; only seen in a dump taken during gc (never from normal code)',
    short: 'marked by a collection',
  },
];

export const LEGEND_BY_CHAR: ReadonlyMap<string, LegendEntry> = new Map(LEGEND.map((e) => [e.char, e]));
