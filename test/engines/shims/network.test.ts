/**
 * network, esp, esp32, rp2 and the driver shims (neopixel, dht, onewire, ds18x20) on the real
 * engine.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeEngines, linesOf } from './shimmed.js';

afterEach(closeEngines);

const py = (...lines: string[]) => lines.join('\n');

describe('network shim', () => {
  it('a WLAN connects a little virtual time after active(True) and connect()', async () => {
    const out = await linesOf(
      py(
        'import network, time',
        'wlan = network.WLAN(network.STA_IF)',
        'print(wlan.active(), wlan.isconnected(), wlan.status() == network.STAT_IDLE)',
        'wlan.active(True)',
        "wlan.connect('HomeNet', 'secret')",
        'print(wlan.status() == network.STAT_CONNECTING, wlan.ifconfig()[0])',
        't0 = time.ticks_ms()',
        'while not wlan.isconnected():',
        '    time.sleep_ms(100)',
        'print((time.ticks_diff(time.ticks_ms(), t0) + 50) // 100 * 100, wlan.status() == network.STAT_GOT_IP)',
        "print(wlan.ifconfig(), wlan.config('essid'), len(wlan.config('mac')), wlan.status('rssi'))",
        'print(network.WLAN(network.STA_IF) is wlan, [n[0] for n in wlan.scan()])',
        'wlan.disconnect(); print(wlan.isconnected())',
        'ap = network.WLAN(network.AP_IF); ap.active(True); ap.config(essid="board-ap")',
        "print(ap.ifconfig()[0], ap.config('ssid'), ap.isconnected())",
        'lan = network.LAN(); lan.active(True); print(lan.isconnected())',
      ),
    );
    expect(out).toEqual([
      'False False True',
      'True 0.0.0.0',
      '1000 True',
      "('192.168.1.42', '255.255.255.0', '192.168.1.1', '192.168.1.1') HomeNet 6 -58",
      "True [b'HomeNet', b'Cafe-Guest', b'IoT']",
      'False',
      '192.168.4.1 board-ap False',
      'True',
    ]);
  });

  it("follows the sim input: Pico W status codes, a wrong password, the scan's networks", async () => {
    const out = await linesOf(
      py(
        'import network, time',
        'wlan = network.WLAN(network.STA_IF)',
        'wlan.active(True)',
        "wlan.connect('Lab', 'wrong')",
        'for i in range(10):',
        '    if wlan.status() < 0 or wlan.status() >= 3:',
        '        break',
        '    time.sleep(1)',
        'print(i, wlan.status(), wlan.isconnected(), wlan.scan())',
      ),
      { sim: { port: 'rp2', wlan: { connect_ms: 2500, fail: 'wrong_password', scan: [['Lab', -40, 3]] } } },
    );
    expect(out).toEqual([`3 -3 False [(b'Lab', b'$\\n\\xc4\\x00\\x00\\x00', 3, -40, 3, False)]`]);
  });
});

describe('esp, esp32, rp2 shims', () => {
  it('answer the calls boards make with plausible values', async () => {
    const out = await linesOf(
      py(
        'import esp, esp32, rp2',
        'from machine import Pin',
        'esp.osdebug(None)',
        'print(esp.flash_size(), 30 < esp32.mcu_temperature() < 60, esp32.raw_temperature() > 90)',
        "nvs = esp32.NVS('app'); nvs.set_i32('boots', 3); nvs.commit()",
        "b = bytearray(4); nvs.set_blob('k', b'\\x01\\x02'); n = nvs.get_blob('k', b)",
        "print(nvs.get_i32('boots'), n, b)",
        'try:',
        "    nvs.get_i32('missing')",
        'except OSError:',
        "    print('missing')",
        'esp32.wake_on_ext0(pin=Pin(0), level=esp32.WAKEUP_ALL_LOW)',
        '@rp2.asm_pio(set_init=rp2.PIO.OUT_LOW)',
        'def blink():',
        '    wrap_target()',
        '    set(pins, 1) [31]',
        'sm = rp2.StateMachine(0, blink, freq=2000, set_base=Pin(25))',
        'sm.active(1); sm.put(5)',
        'print(sm.active(), sm.get(), sm.rx_fifo(), rp2.bootsel_button(), rp2.PIO(0).state_machine(1).active())',
      ),
    );
    expect(out).toEqual([
      '4194304 True True',
      "3 2 bytearray(b'\\x01\\x02\\x00\\x00')",
      'missing',
      '1 0 0 0 0',
    ]);
  });
});

describe('driver shims', () => {
  it('neopixel keeps the GRB buffer; dht and ds18x20 read a plausible room or the sim input', async () => {
    const out = await linesOf(
      py(
        'import neopixel, dht, onewire, ds18x20',
        'from machine import Pin',
        'np = neopixel.NeoPixel(Pin(5), 3)',
        'np[0] = (255, 0, 10); np.write()',
        'print(len(np), np[0], np.buf[:3])',
        'np.fill((1, 2, 3)); print(np.buf)',
        'd = dht.DHT22(Pin(4)); d.measure(); d11 = dht.DHT11(Pin(15)); d11.measure()',
        'print(d.temperature(), d.humidity(), d11.temperature(), d11.humidity())',
        'ow = onewire.OneWire(Pin(12)); ds = ds18x20.DS18X20(ow)',
        'roms = ds.scan(); ds.convert_temp()',
        'print(len(roms), ow.crc8(roms[0][:7]) == roms[0][7], ds.read_temp(roms[0]))',
        's = ds.read_scratch(roms[0]); print((s[0] | s[1] << 8) / 16, ow.crc8(s[:8]) == s[8])',
      ),
      { sim: { dht: { temperature: 24.5, humidity: 51 }, ds18x20: 19.25 } },
    );
    expect(out).toEqual([
      "3 (255, 0, 10) bytearray(b'\\x00\\xff\\n')",
      "bytearray(b'\\x02\\x01\\x03\\x02\\x01\\x03\\x02\\x01\\x03')",
      '24.5 51 24 51',
      '1 True 19.25',
      '19.25 True',
    ]);
  });

  it('without sim input the readings are a plausible room', async () => {
    const out = await linesOf(
      py(
        'import dht, onewire, ds18x20',
        'from machine import Pin',
        'd = dht.DHT22(Pin(4)); d.measure()',
        'ds = ds18x20.DS18X20(onewire.OneWire(Pin(12)))',
        'print(20 <= d.temperature() <= 25, 40 <= d.humidity() <= 60, 20 <= ds.read_temp(ds.scan()[0]) <= 25)',
      ),
    );
    expect(out).toEqual(['True True True']);
  });
});
