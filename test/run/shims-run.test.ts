/**
 * Board code on the embedded engine through `mpheap run` and `mpheap fit`: the shims the script
 * imports are loaded before the start snapshot, measured and stated apart from the script, fed
 * by --sim-input, kept apart in the profile; machine.reset() ends the script as a board would.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mpheap-shims-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

// A main.py as people write them: a function with a while loop and a pass limit, a pin, an ADC,
// a timer, sleeps a board would spend minutes in.
const MAIN = file(
  'main.py',
  [
    'from machine import Pin, ADC, Timer',
    'import time',
    '',
    'ticks = 0',
    'def on_tick(t):',
    '    global ticks',
    '    ticks += 1',
    '',
    'def main():',
    '    led = Pin(2, Pin.OUT)',
    '    button = Pin(0, Pin.IN, Pin.PULL_UP)',
    '    adc = ADC(Pin(34))',
    '    Timer(0).init(period=100, mode=Timer.PERIODIC, callback=on_tick)',
    '    readings = []',
    '    passes = 0',
    '    while passes < 300:',
    '        led.value(not led.value())',
    '        readings.append(adc.read_u16())',
    '        if len(readings) > 20:',
    '            readings.pop(0)',
    '        if button.value() == 0:',
    "            print('pressed at', passes)",
    '        time.sleep_ms(50)',
    '        passes += 1',
    "    print('passes', passes, 'ticks', ticks)",
    '',
    'main()',
  ].join('\n'),
);

describe('board shims in mpheap run', () => {
  it('runs a while-loop main() with Pin, ADC and Timer to the end on a board heap, the shims stated apart', async () => {
    const r = await runCli('run', MAIN, '--board', 'esp8266', '--no-record', '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.exit).toBe('ok');
    // 300 passes of 50 ms: 15 s of board time, a tick every 100 ms.
    expect(r.stderr).toMatch(/passes 300 ticks 1(49|50)\b/);
    expect(j.shims.modules).toEqual(['time', 'machine', '_machine_adc']);
    // Loaded before the start snapshot: it holds them; a script without imports does not.
    const bare = await runCli(
      'run',
      file('bare.py', 'x = 1\n'),
      '--board',
      'esp8266',
      '--no-record',
      '--json',
    );
    const bareStart = JSON.parse(bare.stdout).snapshots[0].gc.used;
    expect(JSON.parse(bare.stdout).shims).toBeNull();
    const grew = j.snapshots[0].gc.used - bareStart;
    expect(j.shims.bytes).toBeGreaterThan(8000);
    expect(Math.abs(grew - j.shims.bytes)).toBeLessThanOrEqual(512);
  });

  it('says so in the summary, and the profile files what the shims allocate under them', async () => {
    const r = await runCli('run', MAIN, '--board', 'esp8266', '--no-record', '--no-color', '--profile');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /board shims time, machine, _machine_adc: [\d,]+ bytes of the heap from the start/,
    );
    expect(r.stdout).toMatch(/the board shims: [\d,]+ B in [\d,]+ allocs/);
    const j = JSON.parse(
      (await runCli('run', MAIN, '--board', 'esp8266', '--no-record', '--json', '--profile')).stdout,
    );
    // No line of the script is a shim's, and the append line is the script's own.
    for (const l of j.profile.lines) expect(l.file).toBe(MAIN);
    const append = j.profile.lines.find((l: { line: number }) => l.line === 18);
    expect(append.function).toBe('main');
    expect(append.allocations).toBeGreaterThan(0);
    expect(j.profile.other.find((o: { owner: string }) => o.owner === 'shims').bytes).toBeGreaterThan(
      j.shims.bytes,
    );
  });

  it('feeds the shims from --sim-input, and refuses a sim input that is wrong, naming the place', async () => {
    const sim = file(
      'sim.json',
      JSON.stringify({
        pins: {
          '0': [
            [0, 1],
            [1000, 0],
            [1200, 1],
          ],
        },
        adc: { '34': [100] },
      }),
    );
    const r = await runCli('run', MAIN, '--sim-input', sim, '--no-record');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/pressed at 20\n(pressed at 2[1-3]\n)*passes 300/);
    const bad = file('bad.json', JSON.stringify({ pins: { '5': [[0, 2]] } }));
    const e = await runCli('run', MAIN, '--sim-input', bad, '--no-record');
    expect(e.code).toBe(2);
    expect(e.stderr).toContain('pins.5[0][1]');
  });

  it('reads --sim-input as UTF-8: a non-ASCII network name reaches the script intact', async () => {
    const sim = file('wifi.json', JSON.stringify({ wlan: { scan: [['café ☕', -40, 3]] } }));
    const p = file(
      'wifi.py',
      [
        'import network',
        'w = network.WLAN(network.STA_IF)',
        'w.active(True)',
        "print('ssid', w.scan()[0][0].decode())",
      ].join('\n'),
    );
    const r = await runCli('run', p, '--sim-input', sim, '--no-record');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ssid café ☕\n');
  });

  it('ends the script at machine.reset() as a board would, without calling it a failure', async () => {
    const p = file(
      'reset.py',
      ['import machine', "print('before')", 'machine.reset()', "print('after')"].join('\n'),
    );
    const r = await runCli('run', p, '--no-record', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.exit).toBe('ok');
    expect(j.error).toBeNull();
    expect(r.stderr).toContain('before');
    expect(r.stderr).not.toContain('after');
    expect(j.snapshots.at(-1).trigger).toBe('end');
  });

  it('fit counts the shims in every heap it tries', async () => {
    const blink = file(
      'blink.py',
      [
        'from machine import Pin',
        'import time',
        'p = Pin(2, Pin.OUT)',
        'for i in range(50):',
        '    p.toggle()',
        '    time.sleep_ms(100)',
      ].join('\n'),
    );
    const r = await runCli('fit', blink, '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    // The shims alone hold ~9 KB: no heap smaller than that can run it.
    expect(j.minHeapBytes).toBeGreaterThan(9000);
    expect(j.usedBeforeScriptBytes).toBeGreaterThan(9000);
  });
});
