/**
 * The time shim on the real engine: sleeps advance a virtual clock at once, ticks read real
 * time plus the time slept, the wall clock follows, and it replaces the build's own `time`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeEngines, linesOf } from './shimmed.js';

afterEach(closeEngines);

describe('time shim', () => {
  it('replaces time for `import time`, `import utime` and `from time import ...`', async () => {
    const out = await linesOf(
      [
        'import time, utime, sys',
        'from time import sleep_ms, ticks_ms',
        'from utime import ticks_diff',
        'print(time is utime, time.__file__, sleep_ms is time.sleep_ms, ticks_diff is time.ticks_diff)',
        "print(sys.modules['time'] is time, sys.modules['utime'] is time)",
      ].join('\n'),
    );
    expect(out).toEqual(['True time.py True True', 'True True']);
  });

  it('ticks read real elapsed time plus exactly the time slept, and sleeping does not wait', async () => {
    // utime's builtin clock is reached through the shim's own reference (_b): the real time.
    // Each virtual reading is bracketed by two real ones, so the real time between the virtual
    // readings is known to lie between (inner bracket) and (outer bracket): the time slept is
    // checked exactly, however long the engine is held up between the readings.
    const out = await linesOf(
      [
        'import time',
        'real = time._b',
        'def around(virtual, real):',
        '    a = real(); v = virtual(); b = real()',
        '    return a, v, b',
        'a0, u0, b0 = around(time.ticks_us, real.ticks_us)',
        'time.sleep_ms(1500); time.sleep(2); time.sleep(0.25); time.sleep_us(1250); time.sleep_us(750)',
        'a1, u1, b1 = around(time.ticks_us, real.ticks_us)',
        'd = time.ticks_diff',
        'print(d(u1, u0) - d(b1, a0), d(u1, u0) - d(a1, b0))',
        // An hour is past ticks_us's range (2**29 us either way): ticks_ms measures it.
        'a0, m0, b0 = around(time.ticks_ms, real.ticks_ms)',
        'time.sleep(3600)',
        'a1, m1, b1 = around(time.ticks_ms, real.ticks_ms)',
        'print(d(m1, m0) - d(b1, a0), d(m1, m0) - d(a1, b0), d(b1, a0) < 3600 * 1000)',
      ].join('\n'),
    );
    // 1500 + 2000 + 250 + 1.25 + 0.75 ms of virtual time, to the microsecond; then an hour.
    const [usLow, usHigh] = out[0].split(' ').map(Number);
    expect(usLow).toBeLessThanOrEqual(3_752_000);
    expect(usHigh).toBeGreaterThanOrEqual(3_752_000);
    const [msLow, msHigh, waited] = out[1].split(' ');
    expect(Number(msLow)).toBeLessThanOrEqual(3_600_000);
    expect(Number(msHigh)).toBeGreaterThanOrEqual(3_600_000);
    expect(waited).toBe('True');
  });

  it('keeps ticks allocation-free, as a board does', async () => {
    const out = await linesOf(
      [
        'import time, gc',
        // The globals exist before the count starts: adding one may grow the module's dict.
        'a = i = 0',
        'gc.collect()',
        'a = gc.mem_alloc()',
        'for i in range(2000):',
        '    time.ticks_ms(); time.ticks_us(); time.ticks_cpu(); time.ticks_diff(time.ticks_ms(), 5); time.sleep_ms(10)',
        'print(gc.mem_alloc() - a)',
      ].join('\n'),
    );
    expect(out).toEqual(['0']);
  });

  it('counts time() from 2000 on the virtual clock; localtime, gmtime and mktime agree', async () => {
    const out = await linesOf(
      [
        'import time',
        't = time.time()',
        'print(t < 5, time.gmtime(0), time.localtime(86400 * 366))',
        'time.sleep(90061)',
        'print(time.time() - t >= 90061, time.localtime()[:6])',
        'print(time.mktime((2024, 2, 29, 12, 30, 0, 0, 0)), time.gmtime(time.mktime((2024, 2, 29, 12, 30, 0, 0, 0))))',
      ].join('\n'),
    );
    expect(out[0]).toBe('True (2000, 1, 1, 0, 0, 0, 5, 1) (2001, 1, 1, 0, 0, 0, 0, 1)');
    expect(out[1]).toBe('True (2000, 1, 2, 1, 1, 1)');
    expect(out[2]).toBe('762525000 (2024, 2, 29, 12, 30, 0, 3, 60)');
  });

  it('starts the wall clock at the sim input datetime', async () => {
    const out = await linesOf('import time\nprint(time.localtime()[:6])', {
      sim: { datetime: [2025, 6, 1, 12, 0, 0] },
    });
    expect(out).toEqual(['(2025, 6, 1, 12, 0, 0)']);
  });
});
