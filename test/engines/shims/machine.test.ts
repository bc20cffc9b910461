/**
 * The machine shim on the real engine: each class with the values it gives, the clock events
 * (Timer callbacks, Pin irqs, the WDT) on the virtual clock, and the sim input.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeEngines, linesOf, runShimmed } from './shimmed.js';

afterEach(closeEngines);

const py = (...lines: string[]) => lines.join('\n');

describe('machine.Pin and Signal', () => {
  it('drives outputs, reads pulls, toggles, and is one object per pin', async () => {
    const out = await linesOf(
      py(
        'from machine import Pin, Signal',
        'led = Pin(2, Pin.OUT, value=1)',
        'print(led.value(), led(), Pin(2) is led, Pin(2).mode() == Pin.OUT)',
        'led.off(); a = led.value(); led.toggle(); b = led.value(); led.low(); led(1)',
        'print(a, b, led.value())',
        'print(Pin(4, Pin.IN, Pin.PULL_UP).value(), Pin(5, Pin.IN, Pin.PULL_DOWN).value(), Pin(6, Pin.IN).value())',
        'od = Pin(7, Pin.OPEN_DRAIN, value=0)',
        'x = od.value(); od.value(1)',
        'print(x, od.value())',
        'sig = Signal(Pin(8, Pin.OUT), invert=True)',
        'sig.on(); s1 = (Pin(8).value(), sig.value()); sig.off()',
        'print(s1, Pin(8).value(), sig.value(), Signal(9, Pin.OUT).value())',
      ),
    );
    expect(out).toEqual(['1 1 True True', '0 1 1', '1 0 0', '0 1', '(0, 1) 1 0 0']);
  });

  it('reads scripted levels as the virtual clock passes their times', async () => {
    const out = await linesOf(
      py(
        'import time',
        'from machine import Pin',
        'b = Pin(0, Pin.IN, Pin.PULL_UP)',
        'seen = []',
        'for i in range(8):',
        '    seen.append(b.value())',
        '    time.sleep_ms(100)',
        'print(seen, Pin(15, Pin.IN).value())',
        // Reading and writing pins allocates nothing, as on a board.
        'import gc',
        'led = Pin(2, Pin.OUT)',
        'a = 0',
        'gc.collect()',
        'a = gc.mem_alloc()',
        'for i in range(1000):',
        '    b.value(); led.value(i & 1); led.toggle(); led.value()',
        '    time.sleep_ms(1)',
        'print(gc.mem_alloc() - a)',
      ),
      {
        sim: {
          pins: {
            '0': [
              [150, 0],
              [450, 1],
              [650, 0],
            ],
            '15': 1,
          },
        },
      },
    );
    expect(out).toEqual(['[1, 1, 0, 0, 0, 1, 1, 0] 1', '0']);
  });

  it('fires irq handlers on the scripted edges that match the trigger, on the virtual clock', async () => {
    const out = await linesOf(
      py(
        'import time',
        'from machine import Pin',
        'real = time._b.ticks_ms  # the engine clock under the virtual one (virtual = real + slept)',
        'falls, both = [], []',
        't0 = time.ticks_ms(); r0 = real()',
        'def on_fall(p): falls.append((time.ticks_diff(time.ticks_ms(), t0), time.ticks_diff(real(), r0), p.value()))',
        'def on_any(p): both.append(p.value())',
        'Pin(0, Pin.IN, Pin.PULL_UP).irq(on_fall, Pin.IRQ_FALLING)',
        'Pin(5, Pin.IN).irq(handler=on_any, trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)',
        'time.sleep(2)',
        'print(falls)',
        'print(both)',
        // An output with an irq sees the edges it writes.
        'out = Pin(12, Pin.OUT, value=0)',
        'rises = []',
        'out.irq(lambda p: rises.append(1), Pin.IRQ_RISING)',
        'out.on(); out.off(); out.on()',
        'print(len(rises))',
      ),
      {
        sim: {
          pins: {
            '0': [
              [300, 0],
              [500, 1],
              [1200, 0],
              [1300, 0],
            ],
            '5': [
              [100, 1],
              [700, 0],
              [900, 1],
            ],
          },
        },
      },
    );
    // Each handler runs when the virtual clock reaches its edge (0.3 s and 1.2 s after t0, the
    // script's first look at the clock), later only by the real time the engine took between
    // computing the sleep to that edge and the handler reading the clock. That real time is
    // at most the real time since the previous handler (or t0), which the script measures
    // too: so the bounds hold however loaded the machine is, and a handler fired early, late
    // by clock time, or at the wrong edge falls outside them.
    const falls = [...out[0].matchAll(/\((\d+), (\d+), (\d)\)/g)].map((m) => ({
      clock: Number(m[1]),
      real: Number(m[2]),
      value: Number(m[3]),
    }));
    expect(falls.map((f) => f.value)).toEqual([0, 0]);
    expect(falls[0].clock).toBeGreaterThanOrEqual(300);
    expect(falls[0].clock).toBeLessThanOrEqual(300 + falls[0].real);
    expect(falls[1].clock).toBeGreaterThanOrEqual(1200);
    expect(falls[1].clock).toBeLessThanOrEqual(1200 + falls[1].real - falls[0].real);
    expect(out[1]).toBe('[1, 0, 1]');
    expect(out[2]).toBe('2');
  });

  it('measures a scripted pulse with time_pulse_us; an unscripted pin gives a plausible echo', async () => {
    const out = await linesOf(
      py(
        'import machine',
        'echo = machine.Pin(18, machine.Pin.IN)',
        'print(machine.time_pulse_us(echo, 1), machine.time_pulse_us(machine.Pin(19), 1))',
      ),
      {
        sim: {
          pins: {
            '18': [
              [0, 0],
              [200, 1],
              [203, 0],
            ],
          },
        },
      },
    );
    expect(out).toEqual(['3000 1160']);
  });
});

describe('machine.Timer', () => {
  it('a periodic Timer(period=100) fires 10 times in sleep_ms(1000) of virtual time', async () => {
    const out = await linesOf(
      py(
        'import time',
        'from machine import Timer, Pin',
        'led = Pin(2, Pin.OUT)',
        'ticks = []',
        't0 = time.ticks_ms()',
        'def blink(t):',
        '    led.toggle()',
        '    ticks.append(time.ticks_diff(time.ticks_ms(), t0) // 100)',
        'tim = Timer(0, mode=Timer.PERIODIC, period=100, callback=blink)',
        'time.sleep_ms(1000)',
        'print(len(ticks), ticks, led.value())',
        'tim.deinit()',
        'time.sleep_ms(1000)',
        'print(len(ticks))',
        'n = []',
        'Timer(1).init(mode=Timer.ONE_SHOT, period=250, callback=lambda t: n.append(1))',
        'Timer(2, freq=20, callback=lambda t: n.append(2))',
        'time.sleep(1)',
        'print(n.count(1), n.count(2))',
      ),
    );
    expect(out).toEqual(['10 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] 0', '10', '1 20']);
  });

  it('a callback that raises is reported and the script goes on, as on a board', async () => {
    const out = await linesOf(
      py(
        'import time',
        'from machine import Timer',
        'n = [0]',
        'def cb(t):',
        '    n[0] += 1',
        '    if n[0] == 2:',
        "        raise ValueError('sensor glitch')",
        'Timer(0, period=100, callback=cb)',
        'time.sleep_ms(300)',
        "print('still running', n[0])",
      ),
    );
    expect(out[0]).toBe('Uncaught exception in IRQ callback handler');
    expect(out).toContain('ValueError: sensor glitch');
    expect(out[out.length - 1]).toBe('still running 3');
  });

  it('holds events back while disable_irq() is in force and fires them after enable_irq()', async () => {
    const out = await linesOf(
      py(
        'import time, machine',
        'n = []',
        'machine.Timer(0, period=100, callback=lambda t: n.append(1))',
        's = machine.disable_irq()',
        'time.sleep_ms(350)',
        'held = len(n)',
        'machine.enable_irq(s)',
        'time.sleep_ms(0)',
        'print(held, len(n))',
      ),
    );
    expect(out).toEqual(['0 3']);
  });
});

describe('machine.ADC, ADCBlock and PWM', () => {
  it('reads a slowly varying wave around mid-scale, allocation-free; read_uv and read agree', async () => {
    const out = await linesOf(
      py(
        'import time, gc',
        'from machine import ADC, Pin',
        'adc = ADC(Pin(34), atten=ADC.ATTN_11DB)',
        'vals = []',
        'for i in range(40):',
        '    vals.append(adc.read_u16())',
        '    time.sleep_ms(500)',
        'print(min(vals) >= 24576, max(vals) <= 40960, len(set(vals)) > 10)',
        'v = adc.read_u16()',
        'print(abs(adc.read_uv() - v * 3300000 // 65535) < 60000, abs(adc.read() - v // 16) < 30)',
        'a = i = 0',
        'gc.collect()',
        'a = gc.mem_alloc()',
        'for i in range(1000):',
        '    adc.read_u16()',
        'print(gc.mem_alloc() - a)',
        't = ADC(4).read_u16() * 3.3 / 65535',
        'print(20 < 27 - (t - 0.706) / 0.001721 < 30)',
      ),
    );
    expect(out).toEqual(['True True True', 'True True', '0', 'True']);
  });

  it('returns scripted readings in turn, the last repeating; ADCBlock connects channels', async () => {
    const out = await linesOf(
      py(
        'from machine import ADC, ADCBlock, Pin',
        'a = ADC(Pin(26))',
        'print([a.read_u16() for i in range(5)], a.read_uv())',
        'print(ADCBlock(1, bits=12).connect(Pin(26)).read_u16())',
      ),
      { sim: { adc: { '26': [0, 1000, 65535] } } },
    );
    expect(out).toEqual(['[0, 1000, 65535, 65535, 65535] 3300000', '65535']);
  });

  it('keeps PWM frequency and duty in u16, ns and the esp32 10-bit form', async () => {
    const out = await linesOf(
      py(
        'from machine import PWM, Pin',
        'p = PWM(Pin(5), freq=1000, duty_u16=32768)',
        'print(p.freq(), p.duty_u16(), p.duty_ns(), p.duty())',
        'p.freq(50); p.duty_ns(1500000)',
        'print(p.freq(), p.duty_u16(), p.duty_ns())',
        'p.duty(1023); print(p.duty_u16()); p.deinit(); print(p.duty_u16())',
      ),
    );
    expect(out).toEqual(['1000 32768 500007 512', '50 4915 1499961', '65535', '0']);
  });
});

describe('machine.I2C, SoftI2C, SPI, SoftSPI, UART', () => {
  it('I2C scans plausible devices whose registers read back what is written', async () => {
    const out = await linesOf(
      py(
        'from machine import I2C, SoftI2C, Pin',
        'i2c = I2C(0, scl=Pin(22), sda=Pin(21), freq=400000)',
        'print([hex(a) for a in i2c.scan()])',
        'print(i2c.readfrom_mem(0x76, 0xD0, 1), i2c.readfrom_mem(0x68, 0x75, 1))',
        "i2c.writeto_mem(0x3C, 0x10, b'\\x01\\x02\\x03')",
        'print(i2c.readfrom_mem(0x3C, 0x10, 3), i2c.writeto(0x3C, bytes([0x11])), i2c.readfrom(0x3C, 2))',
        'buf = bytearray(2)',
        'i2c.readfrom_mem_into(0x3C, 0x10, buf); print(buf)',
        'try:',
        '    i2c.readfrom(0x50, 1)',
        'except OSError as e:',
        '    print("OSError", e.errno)',
        'soft = SoftI2C(scl=Pin(5), sda=Pin(4))',
        'print(soft.scan() == i2c.scan(), soft.readfrom_mem(0x3C, 0x11, 1))',
      ),
    );
    expect(out).toEqual([
      "['0x3c', '0x68', '0x76']",
      "b'`' b'h'",
      "b'\\x01\\x02\\x03' 1 b'\\x02\\x03'",
      "bytearray(b'\\x01\\x02')",
      'OSError 19',
      "True b'\\x02'",
    ]);
  });

  it('I2C devices and registers come from the sim input when it has them', async () => {
    const out = await linesOf(
      py(
        'from machine import I2C',
        'i2c = I2C(1)',
        'print(i2c.scan(), list(i2c.readfrom_mem(0x44, 0, 4)), i2c.readfrom_mem(0x23, 0x10, 2))',
      ),
      { sim: { i2c: { '0x44': { '0': [1, 2, 3, 4] }, '35': { '0x10': [0x12, 0x34] } } } },
    );
    expect(out).toEqual(["[35, 68] [1, 2, 3, 4] b'\\x124'"]);
  });

  it('SPI reads the scripted bytes then 0xff; SoftSPI likewise', async () => {
    const out = await linesOf(
      py(
        'from machine import SPI, SoftSPI, Pin',
        'spi = SPI(1, baudrate=1000000, polarity=0, phase=0)',
        'print(spi.read(3), spi.write(b"abc"))',
        'r = bytearray(3); spi.write_readinto(b"xyz", r); print(r)',
        'print(SoftSPI(baudrate=100000, sck=Pin(18), mosi=Pin(23), miso=Pin(19)).read(2))',
      ),
      { sim: { spi: { '1': [0xde, 0xad, 0xbe, 0xef] } } },
    );
    expect(out).toEqual(["b'\\xde\\xad\\xbe' None", "bytearray(b'\\xef\\xff\\xff')", "b'\\xff\\xff'"]);
  });

  it('UART writes report their length; scripted bytes arrive at their virtual times', async () => {
    const out = await linesOf(
      py(
        'import time',
        'from machine import UART',
        'u = UART(1, baudrate=9600, tx=17, rx=16)',
        'print(u.write(b"AT\\r\\n"), u.any(), u.read())',
        'time.sleep_ms(600)',
        'print(u.any(), u.readline(), u.read(2), u.read())',
        'time.sleep_ms(1000)',
        'b = bytearray(8); n = u.readinto(b); print(n, b[:n], UART(2).read())',
      ),
      {
        sim: {
          uart: {
            '1': [
              [500, 'OK\r\nREADY'],
              [1500, '+GPS'],
            ],
          },
        },
      },
    );
    expect(out).toEqual(['4 0 None', "9 b'OK\\r\\n' b'RE' b'ADY'", "4 bytearray(b'+GPS') None"]);
  });
});

describe('machine.RTC, WDT and the board functions', () => {
  it('RTC.datetime reads and sets the wall clock that time follows', async () => {
    const out = await linesOf(
      py(
        'import time',
        'from machine import RTC',
        'rtc = RTC()',
        'print(rtc.datetime())',
        'rtc.datetime((2024, 7, 14, 6, 9, 30, 0, 0))',
        'time.sleep(61)',
        'print(rtc.datetime()[:7], time.localtime()[:6])',
      ),
    );
    expect(out).toEqual([
      '(2000, 1, 1, 5, 0, 0, 0, 0)',
      '(2024, 7, 14, 6, 9, 31, 1) (2024, 7, 14, 9, 31, 1)',
    ]);
  });

  it('a fed WDT lets the script go on; one not fed within its timeout ends it as a reset would', async () => {
    const r = await runShimmed(
      py(
        'import time',
        'from machine import WDT',
        'wdt = WDT(timeout=2000)',
        'for i in range(5):',
        '    time.sleep_ms(1500)',
        '    wdt.feed()',
        'print("fed for", 5 * 1500)',
        'time.sleep_ms(2500)',
        'print("not reached")',
      ),
    );
    expect(r.output).toBe(
      'fed for 7500\nmachine: WDT not fed for 2000 ms: a board restarts here; mpheap ends the script\n',
    );
    expect(r.result.error?.type).toBe('SystemExit');
  });

  it('reset, soft_reset and deepsleep end the script; lightsleep and idle pass virtual time', async () => {
    const script = (call: string) =>
      py(
        'import time, machine',
        't = time.ticks_ms()',
        'machine.lightsleep(250); machine.idle()',
        'print(time.ticks_diff(time.ticks_ms(), t) // 10 * 10)',
        `machine.${call}`,
        'print("not reached")',
      );
    for (const [call, said] of [
      ['reset()', 'reset()'],
      ['soft_reset()', 'soft_reset()'],
      ['deepsleep(10000)', 'deepsleep(10000)'],
    ]) {
      const r = await runShimmed(script(call));
      expect(r.output).toBe(`250\nmachine: ${said}: a board restarts here; mpheap ends the script\n`);
      expect(r.result.error?.type).toBe('SystemExit');
    }
  });

  it('answers unique_id, reset_cause (scripted), freq, wake_reason', async () => {
    const out = await linesOf(
      py(
        'import machine',
        'print(len(machine.unique_id()), machine.reset_cause() == machine.WDT_RESET, machine.freq())',
        'machine.freq(240000000); print(machine.freq(), machine.wake_reason())',
        'import umachine; print(umachine is machine)',
      ),
      { sim: { reset_cause: 'wdt' } },
    );
    expect(out).toEqual(['6 True 160000000', '240000000 0', 'True']);
  });
});
