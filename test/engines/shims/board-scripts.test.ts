/**
 * Board-style main.py files, unchanged, on the real engine with a 64 KiB fixed heap: each is a
 * `while` loop with a pass limit that a board would take minutes to run; on the virtual clock
 * they end within the watchdog (30 s) and report the board's timing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeEngines, runShimmed } from './shimmed.js';

afterEach(closeEngines);

const HEAP = 64 * 1024;

const BLINK = `from machine import Pin, Timer
import time

led = Pin(2, Pin.OUT)
heartbeat = Pin(4, Pin.OUT)
beats = 0

def beat(t):
    global beats
    beats += 1
    heartbeat.toggle()

tim = Timer(0, mode=Timer.PERIODIC, period=250, callback=beat)
start = time.ticks_ms()
passes = 0
while passes < 200:
    led.value(not led.value())
    time.sleep_ms(500)
    passes += 1
tim.deinit()
print("passes", passes, "beats", beats, "led", led.value())
print("seconds", time.ticks_diff(time.ticks_ms(), start) // 1000)
`;

const SAMPLER = `from machine import ADC, Pin, I2C
import time

adc = ADC(Pin(34))
adc.atten(ADC.ATTN_11DB)
i2c = I2C(0, scl=Pin(22), sda=Pin(21), freq=400000)
BME280 = 0x76
devices = i2c.scan()
print("i2c devices", [hex(d) for d in devices])
if BME280 not in devices:
    raise SystemExit("no BME280")
print("chip id", hex(i2c.readfrom_mem(BME280, 0xD0, 1)[0]))
i2c.writeto_mem(BME280, 0xF4, bytes([0x27]))

RING = 32
ring = [0] * RING
head = 0
pressures = []
passes = 0
while passes < 500:
    ring[head] = adc.read_u16()
    head = (head + 1) % RING
    if passes % 25 == 0:
        raw = i2c.readfrom_mem(BME280, 0xF7, 3)
        pressures.append((raw[0] << 12) | (raw[1] << 4) | (raw[2] >> 4))
    time.sleep_ms(20)
    passes += 1
average = sum(ring) // RING
print("passes", passes, "pressure readings", len(pressures), "same", len(set(pressures)) == 1)
print("ring average near mid-scale", 24576 <= average <= 40960, "ctrl", i2c.readfrom_mem(BME280, 0xF4, 1))
`;

const REPORTER = `import network
import time
import json
from machine import ADC, Pin

wlan = network.WLAN(network.STA_IF)
wlan.active(True)
if not wlan.isconnected():
    print("connecting...")
    wlan.connect("HomeNet", "secret")
    timeout = 20
    while not wlan.isconnected() and timeout > 0:
        time.sleep(1)
        timeout -= 1
if not wlan.isconnected():
    raise RuntimeError("no wifi")
print("connected, ip", wlan.ifconfig()[0])

sensor = ADC(Pin(36))
sent = 0
passes = 0
last = None
while passes < 120:
    body = json.dumps({"device": "node-1", "seq": passes, "uptime": time.time(),
                       "raw": sensor.read_u16(), "rssi": wlan.status("rssi")})
    if wlan.isconnected():
        # Where a board would urequests.post(URL, data=body).
        sent += 1
        last = body
    passes += 1
    time.sleep(5)
print("sent", sent)
print(sorted(json.loads(last).keys()), json.loads(last)["uptime"])
`;

const ASYNC = `import asyncio
from machine import Pin, ADC, I2C

led = Pin(2, Pin.OUT)
adc = ADC(Pin(34))
i2c = I2C(0)
readings = []
counts = {"blink": 0, "read": 0, "report": 0}
log = []

async def blink(passes):
    for _ in range(passes):
        led.toggle()
        counts["blink"] += 1
        await asyncio.sleep_ms(250)

async def read_sensor(passes):
    for _ in range(passes):
        temp = i2c.readfrom_mem(0x76, 0xFA, 2)
        readings.append((adc.read_u16(), temp[0]))
        if len(readings) > 10:
            readings.pop(0)
        counts["read"] += 1
        await asyncio.sleep_ms(100)

async def report(passes):
    await asyncio.sleep_ms(50)  # half-way between the others' passes
    for _ in range(passes):
        await asyncio.sleep(1)
        counts["report"] += 1
        log.append((counts["blink"], counts["read"]))

async def main():
    await asyncio.gather(blink(40), read_sensor(100), report(10))
    return counts

print(asyncio.run(main()))
print(log)
`;

async function runBoardScript(script: string) {
  const r = await runShimmed(script, { heapSize: HEAP });
  if (r.result.error) throw new Error(`${r.output}\n${r.result.error.traceback}`);
  expect(r.result.timedOut).toBe(false);
  return r;
}

describe('board-style scripts on a 64 KiB fixed heap', () => {
  it('(1) Pin + Timer blink with sleep_ms: 200 passes, 100 s of board time', async () => {
    const r = await runBoardScript(BLINK);
    expect(r.shims.map((m) => m.name)).toEqual(['time', 'machine']);
    // 400 heartbeats in 100 s of clock time (the last may fall a hair after the loop ends).
    expect(r.output).toMatch(/^passes 200 beats (399|400) led 0\nseconds 100\n$/);
  });

  it('(2) ADC sampling into a ring buffer with an I2C sensor read: 500 passes', async () => {
    const r = await runBoardScript(SAMPLER);
    expect(r.shims.map((m) => m.name)).toEqual(['time', 'machine', '_machine_adc', '_machine_bus']);
    expect(r.output).toBe(
      [
        "i2c devices ['0x3c', '0x68', '0x76']",
        'chip id 0x60',
        'passes 500 pressure readings 20 same True',
        'ring average near mid-scale True ctrl b"\'"',
        '',
      ].join('\n'),
    );
  });

  it('(3) WLAN connect, then a loop posting JSON readings: 120 passes, 10 minutes of board time', async () => {
    const r = await runBoardScript(REPORTER);
    expect(r.shims.map((m) => m.name)).toEqual(['time', 'machine', '_machine_adc', 'network']);
    const lines = r.output.trimEnd().split('\n');
    expect(lines.slice(0, 3)).toEqual(['connecting...', 'connected, ip 192.168.1.42', 'sent 120']);
    expect(lines[3]).toMatch(/^\['device', 'raw', 'rssi', 'seq', 'uptime'\] 59[56]$/);
  });

  it('(4) asyncio with three tasks (blink, read sensor, report) gathered, each with a pass limit', async () => {
    const r = await runBoardScript(ASYNC);
    expect(r.shims.map((m) => m.name)).toEqual([
      'time',
      'machine',
      '_machine_adc',
      '_machine_bus',
      'asyncio',
    ]);
    const [counts, log] = r.output.trimEnd().split('\n');
    expect(counts).toBe("{'blink': 40, 'read': 100, 'report': 10}");
    // Each second of board time: 4 more blinks (until the 40th) and 10 more reads.
    expect(log).toBe(
      '[(5, 11), (9, 21), (13, 31), (17, 41), (21, 51), (25, 61), (29, 71), (33, 81), (37, 91), (40, 100)]',
    );
  });
});
