/**
 * How every command's help and usage errors look. Descriptions are written as paragraphs, one
 * line each, and wrapped here to the terminal (80 columns when the output is not one), so that
 * they read the same at any width; list items (`  - …`) keep a hanging indent. The examples and
 * exit codes after the options are laid out by `helpFooter`, to the same width. Usage errors
 * from commander (unknown option, missing argument) say `mpheap: …` like every other error.
 */
import type { Command, Help, Option } from 'commander';
import { escapeControls, wrapText } from '../util/text.js';

/** The width help is laid out to: the terminal's, else 80 (as commander does). */
export function helpWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  return stream.isTTY && stream.columns ? stream.columns : 80;
}

/** Set on the program before its commands are defined: commander copies it to each of them. */
export function configureHelpAndErrors(program: Command): void {
  program.configureHelp({
    boxWrap(this: Help, str: string, width: number): string {
      return wrapText(str, width);
    },
    optionDescription: (option: Option) => withDefault(option.description, option.defaultValue, option),
    argumentDescription: (argument) =>
      withDefault(argument.description, argument.defaultValue, {
        defaultValueDescription: argument.defaultValueDescription,
      }),
  });
  program.configureOutput({
    // commander says `error: unknown option '--x'`; mpheap says every error as `mpheap: …`, with
    // what came from the command line shown safely (control bytes escaped).
    outputError: (str, write) => write(escapeControls(str.replace(/^error: /, 'mpheap: '))),
  });
}

/**
 * `(default: 120)`, not commander's `(default: "120")`; nothing for an empty list or a boolean;
 * nothing when the description already says its default in its own words.
 */
function withDefault(
  description: string,
  value: unknown,
  option: { defaultValueDescription?: string },
): string {
  if (value === undefined || typeof value === 'boolean' || Array.isArray(value)) return description;
  if (/\bdefault\b/.test(description)) return description;
  const shown = option.defaultValueDescription ?? String(value);
  return `${description} (default: ${shown})`;
}

export interface Example {
  /** The command line, as typed (kept on one line while the width allows). */
  command: string;
  /** What it does, on the lines below it. */
  note?: string;
}

/**
 * The text after the options: examples, then any further sections (a title and a paragraph),
 * then the exit codes; wrapped to the width the help is printed at.
 */
export function helpFooter(parts: {
  examples: readonly Example[];
  /** A titled section, or with title '' a paragraph of its own. */
  sections?: readonly { title: string; body: string }[];
  exitCodes: string;
}): (context: { error: boolean; command: Command }) => string {
  return ({ error }) => {
    const width = helpWidth(error ? process.stderr : process.stdout);
    const out = ['', 'Examples:'];
    for (const e of parts.examples) {
      out.push(wrapCommand(e.command, width));
      if (e.note) out.push(wrapText(`      ${e.note}`, width));
    }
    for (const s of parts.sections ?? []) {
      out.push('');
      if (s.title) out.push(`${s.title}:`);
      out.push(wrapText(s.body, width));
    }
    out.push('', wrapText(`Exit codes: ${parts.exitCodes}`, width, 2));
    return `${out.join('\n')}\n`;
  };
}

/** A command line too long for the width, cut at spaces with shell continuations (` \`). */
function wrapCommand(command: string, width: number): string {
  const line = `  ${command}`;
  if (line.length <= width) return line;
  const words = command.split(' ');
  const out: string[] = [];
  let current = ' ';
  for (const word of words) {
    if (current.trim() !== '' && current.length + 1 + word.length + 2 > width) {
      out.push(`${current} \\`);
      current = `    ${word}`;
    } else current += ` ${word}`;
  }
  out.push(current);
  return out.join('\n');
}

/** --no-color, which every command accepts so that a script can pass it to any of them. */
export const NO_COLOR_HELP = 'plain text, no colours (also: NO_COLOR=1)';
/** The same for a command whose output has no colour anyway. */
export const NO_COLOR_PLAIN_HELP = 'no colours (this command prints none; accepted as on every command)';
