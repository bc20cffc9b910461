/** pythonString: the literal real MicroPython (the WebAssembly engine) reads back as the same text. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonString } from '../../src/engines/python/quote.js';
import { WasmEngine } from '../../src/engines/wasm/wasm-engine.js';

let engine: WasmEngine;
beforeAll(async () => {
  engine = new WasmEngine({ heapSize: 64 * 1024 });
  await engine.load();
});
afterAll(async () => {
  await engine?.close();
});

describe('pythonString', () => {
  it('writes only printable ASCII', () => {
    expect(pythonString("it's a\\b\nc\té€😀")).toBe("'it\\'s a\\\\b\\nc\\x09\\xe9\\u20ac\\U0001f600'");
  });

  it('is read back by MicroPython as the same text', async () => {
    const texts = [
      'plain',
      "quote ' and \\ backslash",
      'lines\nand\r\ttabs\x00\x7f',
      'é € 😀',
      '"#mpheap snap x"',
    ];
    for (const text of texts) {
      const r = await engine.exec(`print(len(${pythonString(text)}), end='')`);
      expect(r.error).toBeNull();
      expect(Number(r.output)).toBe([...text].length);
      const back = await engine.exec(`import sys\nsys.stdout.write(${pythonString(text)})`);
      expect(back.output).toBe(text);
    }
  });
});
