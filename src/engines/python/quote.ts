/**
 * Python string literals for text that mpheap sends to MicroPython (marker labels, module
 * source). Only ASCII goes over the wire, everything else escaped, because old firmware
 * (1.9.2 on the micro:bit) and some serial links are not safe with raw UTF-8 or control bytes.
 */
export function pythonString(text: string): string {
  let out = "'";
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === "'" || ch === '\\') out += `\\${ch}`;
    // \n stays readable in module source; a raw newline would end the literal.
    else if (ch === '\n') out += '\\n';
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c < 0x100) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c < 0x10000) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return `${out}'`;
}
