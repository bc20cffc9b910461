/**
 * Text that comes from outside (a file, a board, a script) made safe to print or to put into
 * HTML, and text wrapped to a terminal's width. Browser-safe: the terminal views and the CLI use it.
 */

/**
 * Control bytes written as `\xNN` (and `\e` for ESC), so that a file or a board cannot move the
 * cursor, clear the screen, set the window title or leave the terminal in another mode. Newline and
 * tab stay; so does carriage return unless `keepReturn` is false. With `keepColour`, complete SGR
 * sequences (`ESC [ 1;31 m`: colour and bold only, nothing else) pass, for program output that
 * colours itself.
 */
export function escapeControls(
  text: string,
  opts: { keepColour?: boolean; keepReturn?: boolean } = {},
): string {
  // Fast path: most text has nothing to escape.
  if (!/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(text)) return text;
  const keepReturn = opts.keepReturn !== false;
  return text.replace(
    opts.keepColour ? /\x1b\[[0-9;]{0,32}m|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g : /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g,
    (c) => {
      if (c.length > 1) return c; // an SGR sequence, kept
      if (c === '\r' && keepReturn) return c;
      if (c === '\x1b') return '\\e';
      return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    },
  );
}

/** Width a string takes on a terminal, ignoring SGR colour codes. */
export function visibleLength(text: string): number {
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}

/**
 * Wraps each line longer than `width` at spaces. Continuation lines are indented by `hang`
 * spaces, or, by default, to where the line's text starts (its own indentation, and past a
 * leading `- ` or `(` so that a list item or a parenthesis reads as one block). A word longer
 * than the width stays whole. Colour codes do not count towards the width.
 */
export function wrapText(text: string, width: number, hang?: number): string {
  return text
    .split('\n')
    .map((line) => wrapLine(line, width, hang))
    .join('\n');
}

function wrapLine(line: string, width: number, hang?: number): string {
  if (visibleLength(line) <= width) return line;
  const lead = /^\s*(?:- |\()?/.exec(line.replace(/\x1b\[[0-9;]*m/g, ''))?.[0].length ?? 0;
  const indent = ' '.repeat(Math.min(hang ?? lead, Math.floor(width / 2)));
  // Each chunk is a word with the spaces before it, so spacing inside a line (columns) is kept.
  const chunks = line.match(/\s*\S+/g) ?? [];
  const out: string[] = [];
  let current = '';
  let currentWidth = 0;
  for (const chunk of chunks) {
    const w = visibleLength(chunk);
    if (current !== '' && currentWidth + w > width) {
      out.push(current);
      const word = chunk.trimStart();
      current = indent + word;
      currentWidth = indent.length + visibleLength(word);
    } else {
      current += chunk;
      currentWidth += w;
    }
  }
  out.push(current);
  return out.join('\n');
}

const HTML_ENTITY: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text put into HTML (an element's content or a quoted attribute) as text, never as markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITY[c] ?? c);
}

/** `1 byte`, `2 bytes`, `1,024 bytes`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/**
 * A path as a shell reads it back: left as it is when it has nothing the shell would take
 * apart, else in single quotes (`'my app.heap.ndjson'`), so a suggested command can be pasted.
 */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * escapeControls for text that arrives in pieces (a program's output): an SGR sequence cut
 * between two pieces is held back until it is whole, so what is printed does not depend on
 * where the pieces were cut.
 */
export class ControlEscaper {
  private held = '';

  push(text: string): string {
    let t = this.held + text;
    this.held = '';
    // An ESC near the end that could still become a colour sequence waits for the next piece.
    const cut = /\x1b(\[[0-9;]{0,32})?$/.exec(t);
    if (cut) {
      this.held = cut[0];
      t = t.slice(0, cut.index);
    }
    return escapeControls(t, { keepColour: true });
  }

  /** What is still held, escaped: the output ended. */
  end(): string {
    const t = this.held;
    this.held = '';
    return escapeControls(t);
  }
}

/** `s` matched literally inside a RegExp (`main.py` → `main\.py`). */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
