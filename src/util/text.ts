/**
 * Text that comes from outside (a file, a board, a script) made safe to print, and text wrapped
 * to a terminal's width. Browser-safe: the terminal views and the CLI use it.
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
  const start = /^\s*/.exec(line)?.[0] ?? '';
  const words = line
    .slice(start.length)
    .split(/ +/)
    .filter((w) => w !== '');
  const out: string[] = [];
  let current = start;
  let currentWidth = visibleLength(start);
  let hasWord = false;
  for (const word of words) {
    const w = visibleLength(word);
    if (hasWord && currentWidth + 1 + w > width) {
      out.push(current);
      current = indent + word;
      currentWidth = indent.length + w;
    } else {
      current += hasWord ? ` ${word}` : word;
      currentWidth += hasWord ? 1 + w : w;
    }
    hasWord = true;
  }
  out.push(current);
  return out.join('\n');
}

/** `1 byte`, `2 bytes`, `1,024 bytes`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
