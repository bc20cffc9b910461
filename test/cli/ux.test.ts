/**
 * What a new user meets first, checked as they meet it: every --help in an 80-column terminal,
 * the files it names shipped in the package, errors in one style and in words, control bytes
 * from a file never reaching the terminal, and the paths run writes and suggests.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS, commandName } from '../../src/cli/commands/index.js';
import { configureHelpAndErrors } from '../../src/cli/help.js';
import { decodeText } from '../../src/decode/index.js';
import { RecordingWriter, readRecording } from '../../src/recording/recording.js';
import { BoundedText } from '../../src/util/bounded-text.js';
import { bytesText, formatHumanSize } from '../../src/util/size.js';
import { ControlEscaper, escapeControls, shellQuote, wrapText } from '../../src/util/text.js';
import { runCli as cli } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

const bin = join(REPO_ROOT, 'bin', 'mpheap.js');
const dir = mkdtempSync(join(tmpdir(), 'mpheap-ux-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The built CLI as a user runs it, output to a pipe (commander then lays help out at 80). */
function mpheap(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });
}

const helps = [[], ...COMMANDS.map((c) => [commandName(c)])].map((args) => ({
  name: args[0] ?? 'mpheap',
  text: mpheap(...args, '--help').stdout,
}));

describe('--help in an 80-column terminal', () => {
  it('fits every line in 80 columns, and wraps no line short of where the next word would fit', () => {
    for (const { name, text } of helps) {
      expect(text.length, name).toBeGreaterThan(200);
      const lines = text.split('\n');
      for (const line of lines) expect(line.length, `${name}: ${line}`).toBeLessThanOrEqual(80);
      // Ragged text: a line followed, at the same indentation, by a word that would have fitted on it.
      for (let i = 0; i + 1 < lines.length; i++) {
        const [a, b] = [lines[i], lines[i + 1]];
        const indent = (s: string) => /^ */.exec(s)?.[0].length ?? 0;
        if (
          a.trim() === '' ||
          b.trim() === '' ||
          indent(a) !== indent(b) ||
          /^\s*(-|mpheap\b|mpremote\b)/.test(b) ||
          /^\s*\S.*\S {2,}\S/.test(b)
        )
          continue;
        if (/:$/.test(a) || /\\$/.test(a)) continue;
        const word = b.trim().split(' ')[0];
        expect(a.length + 1 + word.length, `${name}: '${a}' then '${word}'`).toBeGreaterThan(80);
      }
    }
  });

  it('keeps the lines of code a help shows as lines', () => {
    const text = mpheap('agent', 'install', '--help').stdout;
    expect(text).toContain('\n  import mpheap_agent\n');
    expect(text).toContain('\n  while True:\n      work()\n      mpheap_agent.tick()');
    expect(text).toContain(
      '\n  mpheap monitor --port a0 --publish mqtt://127.0.0.1\n  mpheap collect --mqtt mqtt://127.0.0.1 --db fleet.sqlite\n',
    );
  });

  it('writes each description as paragraphs, never hard-wrapped text', async () => {
    for (const entry of COMMANDS) {
      const program = new Command('mpheap');
      configureHelpAndErrors(program);
      (await entry.load())(program);
      const command = program.commands.find((c) => c.name() === commandName(entry)) as Command;
      // A line break is a paragraph break, or starts or ends a list item (`  - …`), nothing else.
      const lines = command.description().split('\n');
      lines.forEach((line, i) => {
        const next = lines[i + 1];
        if (next === undefined || line === '' || next === '') return;
        expect(line.startsWith('  ') || next.startsWith('  '), `${commandName(entry)}: '${line}'`).toBe(true);
      });
      for (const o of command.options) expect(o.description, o.flags).not.toContain('\n');
    }
  });

  it('shows defaults as values, not strings or empty lists', () => {
    for (const { name, text } of helps) {
      expect(text, name).not.toMatch(/\(default: "/);
      expect(text, name).not.toContain('(default: [])');
    }
    expect(helps.find((h) => h.name === 'run')?.text).toMatch(/\(default:\s+120\)/);
  });

  it('says the same exit codes as the README, 130 included', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('130 interrupted');
    expect(helps[0].text.replace(/\s+/g, ' ')).toContain('130 interrupted');
    expect(readme).not.toMatch(/npx mpheap (run|decode|sim|linker|report|monitor|emulate|devices)/);
  });

  it('names only files the package ships', () => {
    const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    const shipped = new Set(
      (JSON.parse(pack.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path),
    );
    const named = new Set<string>();
    for (const { text } of helps)
      for (const m of text.matchAll(/\b((?:examples|docs)\/[\w./-]+\.(?:py|trace|md))\b/g)) named.add(m[1]);
    expect([...named]).toContain('docs/trace-format.md');
    expect([...named]).toContain('examples/fragmentation.py');
    for (const f of named) expect(shipped.has(f), f).toBe(true);
    // The shipped docs stand on their own: no pointer out of the package.
    expect(readFileSync(join(REPO_ROOT, 'docs', 'trace-format.md'), 'utf8')).not.toMatch(/shared\//);
  });
});

describe('errors', () => {
  it('says unknown options as mpheap: ..., with exit code 2', () => {
    const r = mpheap('sim', '--bogus');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("mpheap: unknown option '--bogus'\n(run with --help for usage)\n");
  });

  it('accepts --no-color on every command', () => {
    for (const entry of COMMANDS) {
      const r = mpheap(commandName(entry), '--no-color', '--help');
      expect(r.status, commandName(entry)).toBe(0);
    }
  });

  it('says a folder is a folder, with no raw Node error, for every command that reads a file', async () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder, { recursive: true });
    for (const args of [
      ['run', folder],
      ['report', folder, '-o', join(dir, 'r.html')],
      ['sim', folder],
      ['decode', folder],
    ]) {
      const r = await cli(...args);
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr, args[0]).toContain(`'${folder}': it is a folder, not a file`);
      expect(r.stderr, args[0]).not.toMatch(/EISDIR|illegal operation/);
    }
    const linker = await cli('linker', folder);
    expect(linker.code).toBe(2);
    expect(linker.stderr).toBe(`mpheap: cannot read '${folder}': it is a folder, not a file\n`);
  });

  it('calls a file that is no serial port what it is', async () => {
    const r = await cli('monitor', '--port', '/dev/null', '--duration', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mpheap: cannot open \/dev\/null: not a serial port/);
    expect(r.stderr).not.toMatch(/ioctl|baud/);
  });

  it('refuses empty input to sim and linker', async () => {
    const empty = join(dir, 'empty.trace');
    writeFileSync(empty, '# nothing here\n\n');
    const sim = await cli('sim', empty);
    expect(sim.code).toBe(2);
    expect(sim.stderr).toContain('no heap operations in it');
    const ld = join(dir, 'empty.ld');
    writeFileSync(ld, '  \n');
    const linker = await cli('linker', ld);
    expect(linker.code).toBe(2);
    expect(linker.stderr).toBe(`mpheap: ${ld}:1:1: the file is empty: no linker script in it\n`);
  });
});

describe('text from a file never drives the terminal', () => {
  const hostile = '\x1b]0;PWNED\x07\x1b[2J\x9b31m';

  it('escapes control bytes, keeping newlines, tabs and (when asked) colours', () => {
    expect(escapeControls(`a${hostile}\tb\n`)).toBe('a\\e]0;PWNED\\x07\\e[2J\\x9b31m\tb\n');
    expect(escapeControls('\x1b[1;31mred\x1b[0m \x1b[2J', { keepColour: true })).toBe(
      '\x1b[1;31mred\x1b[0m \\e[2J',
    );
  });

  it('gives the same text however program output was cut into pieces', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', ' ', '\n', '\x1b', '[', '3', '1', ';', 'm', 'J', '\x07', '\r'), {
          maxLength: 40,
        }),
        fc.array(fc.nat(40), { maxLength: 6 }),
        (chars, cuts) => {
          const text = chars.join('');
          const whole = new ControlEscaper();
          const expected = whole.push(text) + whole.end();
          const pieces = new ControlEscaper();
          let out = '';
          let at = 0;
          for (const c of [...cuts].sort((x, y) => x - y)) {
            out += pieces.push(text.slice(at, Math.max(at, c)));
            at = Math.max(at, c);
          }
          out += pieces.push(text.slice(at)) + pieces.end();
          expect(out).toBe(expected);
          expect(out).not.toMatch(/\x1b(?!\[[0-9;]*m)/);
        },
      ),
    );
  });

  it('sim escapes what it echoes and names the bad token once', async () => {
    const trace = join(dir, 'evil.trace');
    writeFileSync(trace, `heap 4096\nalloc a 32\n${hostile} info\n`, 'latin1');
    const r = await cli('sim', trace);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`mpheap: ${trace}:3:1: unknown operation '\\e]0;PWNED\\x07\\e[2J\\x9b31m'\n`);
    const ok = join(dir, 'ids.trace');
    writeFileSync(ok, 'heap 4096\nalloc a\x1b[2J 32\ndump\n');
    const step = await cli('sim', ok, '--step');
    expect(step.code).toBe(0);
    expect(step.stdout).toContain('-- line 2: alloc a\\e[2J 32');
    expect(step.stdout).not.toContain('\x1b');
    // --step maps say what the trace's own dumps say.
    expect(step.stdout).not.toMatch(/from [0-9a-f]{8}:/);
    expect(step.stdout).toContain('GC memory layout; from <base>:');
  });

  it('decode escapes labels and warnings from a recording', async () => {
    const [s] = decodeText(
      `GC: total: 2048, used: 32, free: 2016\n No. of 1-blocks: 0, 2-blocks: 1, max blk sz: 2, max free sz: 126\nGC memory layout; from 20000000:\n00000000: h=${'.'.repeat(62)}\n00000400: ${'.'.repeat(64)}\n`,
      'file:x',
    ).snapshots;
    const path = join(dir, 'evil.ndjson');
    const w = new RecordingWriter(path, { startedAt: 0 });
    w.snapshot({ ...s, label: `evil${hostile}`, warnings: [`odd${hostile}`] });
    w.close();
    const r = await cli('decode', path, '--no-color');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("'evil\\e]0;PWNED\\x07\\e[2J\\x9b31m'");
    expect(r.stdout).toContain('warning: odd\\e]0;PWNED');
    expect(r.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  });
});

describe('paths and words', () => {
  it('records a/app.py and b/app.py apart, beside each script, and quotes what it suggests', async () => {
    for (const sub of ['a', 'b', 'with space']) {
      mkdirSync(join(dir, sub), { recursive: true });
      writeFileSync(join(dir, sub, 'app.py'), `print("${sub}")\n`);
    }
    for (const sub of ['a', 'b', 'with space']) {
      const r = await cli('run', join(dir, sub, 'app.py'), '--no-color');
      expect(r.code, sub).toBe(0);
      const rec = join(dir, sub, 'app.heap.ndjson');
      expect(
        readRecording(rec)
          .outputs.map((o) => o.text)
          .join(''),
      ).toBe(`${sub}\n`);
      expect(r.stdout).toContain(`recording: ${rec} (mpheap decode ${shellQuote(rec)} --all)`);
    }
    expect(shellQuote(join(dir, 'with space', 'app.heap.ndjson'))).toMatch(/^'.*'$/);
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('plain/path-1.ndjson')).toBe('plain/path-1.ndjson');
  });

  it('says 1 byte, sizes in the unit that reads, and what --heap became', async () => {
    expect(bytesText(1)).toBe('1 byte');
    expect(bytesText(16384)).toBe('16,384 bytes');
    expect(formatHumanSize(10249933)).toBe('9.8 MiB');
    expect(formatHumanSize(900)).toBe('900 bytes');
    const p = join(dir, 'small.py');
    writeFileSync(p, 'x = 1\n');
    const r = await cli('run', p, '--fixed', '--heap', '16K', '--no-record', '--no-color');
    expect(r.stdout).toContain("heap 16,384 bytes (16,000 for objects, 384 for gc.c's tables)");
  });

  it('shows the map with a legend that says B is a function', async () => {
    const p = join(dir, 'fails.py');
    writeFileSync(p, 'def f():\n    pass\nx = bytearray(100000)\n');
    const r = await cli('run', p, '--fixed', '--heap', '16K', '--no-record', '--no-color');
    expect(r.code).toBe(4);
    const legend = r.stdout.split('\n').filter((l) => /^legend:|^ {8}\S/.test(l));
    expect(legend.join(' ')).toContain('B function (not bytes)');
    expect(legend.join(' ')).toContain('. free');
    for (const l of legend) expect(l.length).toBeLessThanOrEqual(80);
  });

  it('wraps to the width with continuation lines under the text, keeping spacing inside lines', () => {
    expect(wrapText('  - one two three four', 12)).toBe('  - one two\n    three\n    four');
    expect(wrapText('a    b', 80)).toBe('a    b');
    expect(wrapText('holes      16 B: 12, 32 B: 1', 22, 11)).toBe('holes      16 B: 12,\n           32 B: 1');
  });
});

describe('program output kept within a bound', () => {
  it('keeps the first and last parts, whatever the pieces, with a note of what was left out', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.array(fc.nat(300), { maxLength: 8 }), (text, cuts) => {
        const whole = new BoundedText(50, 40);
        whole.add(text);
        const pieces = new BoundedText(50, 40);
        let at = 0;
        for (const c of [...cuts].sort((x, y) => x - y)) {
          pieces.add(text.slice(at, Math.max(at, c)));
          at = Math.max(at, c);
        }
        pieces.add(text.slice(at));
        expect(pieces.text()).toBe(whole.text());
        if (text.length <= 90) expect(whole.text()).toBe(text);
        else {
          expect(whole.text().startsWith(text.slice(0, 50))).toBe(true);
          expect(whole.text().endsWith(text.slice(-40))).toBe(true);
          expect(whole.text()).toContain('of program output left out here');
        }
      }),
    );
  });

  it('writes a recording of a chatty script within its bound, the end kept, a crash losing only the held tail', () => {
    const path = join(dir, 'chatty.ndjson');
    const w = new RecordingWriter(path, { startedAt: 0 }, { outputHead: 1000, outputTail: 500 });
    let all = '';
    for (let i = 0; i < 2000; i++) {
      const line = `line ${i}\n`;
      all += line;
      w.output(line, i);
    }
    // Before close, what is on disk is the head: a crash keeps it.
    expect(
      readRecording(path)
        .outputs.map((o) => o.text)
        .join(''),
    ).toBe(all.slice(0, 1000));
    w.close();
    const rec = readRecording(path);
    const text = rec.outputs.map((o) => o.text).join('');
    expect(text.startsWith(all.slice(0, 1000))).toBe(true);
    expect(text.endsWith(all.slice(-500))).toBe(true);
    expect(text).toContain('of program output left out here');
    expect(rec.events).toEqual([
      expect.objectContaining({ event: 'output_cut', leftOut: all.length - 1500 }),
    ]);
  });
});
