# mpheap board shim: `machine` (and `umachine`). Pins, signals, timers and the board-level
# functions are here; the rarer classes live in parts loaded at first use (ADC/ADCBlock/PWM in
# _machine_adc, I2C/SoftI2C/SPI/SoftSPI/UART in _machine_bus, RTC/WDT in _machine_rtc), so a
# script pays heap only for what it touches. Clock events run on the time shim's virtual clock.
import sys
import time as _t

_D = _t.ticks_diff
_A = _t.ticks_add
_ms = _t.ticks_ms
PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5
PIN_WAKE = EXT0_WAKE = 2
EXT1_WAKE = 3
TIMER_WAKE = 4
_f = 160000000
_pins = {}


def _on(e):
    if e not in _t._ev:
        _t._ev.append(e)


def _off(e):
    if e in _t._ev:
        _t._ev.remove(e)


def _end(why):
    # What a board would do next (restart from boot) ends the script here.
    print("machine: " + why + ": a board restarts here; mpheap ends the script")
    raise SystemExit


class Pin:
    IN = 1
    OUT = 3
    OPEN_DRAIN = 7
    ALT = 8
    PULL_DOWN = 1
    PULL_UP = 2
    IRQ_RISING = 1
    IRQ_FALLING = 2
    WAKE_LOW = 4
    WAKE_HIGH = 5
    DRIVE_0 = 0
    DRIVE_1 = 1
    DRIVE_2 = 2
    DRIVE_3 = 3

    def __new__(cls, id, *a, **k):
        # One object per pin, as on a board (where pins are in ROM and Pin(5) allocates nothing).
        p = _pins.get(id)
        if p is None:
            p = object.__new__(cls)
            p._id = id
            p._m = 1
            p._p = 0
            p._o = 0
            p._h = None
            s = _t._sim("pins", {}).get(str(id))
            p._s = [[0, s]] if type(s) is int else s  # scripted edges: [[t_ms, level], ...]
            p._i = 0
            p._k = 0
            p._tr = 0
            p._due = 0
            _pins[id] = p
        return p

    def __init__(self, id, mode=-1, pull=-1, *, value=None, drive=None, alt=None):
        self.init(mode, pull, value=value)

    def init(self, mode=-1, pull=-1, *, value=None, drive=None, alt=None):
        if mode != -1 and mode is not None:
            self._m = mode
        if pull != -1:
            self._p = pull or 0
        if value is not None:
            self._o = 1 if value else 0

    def __repr__(self):
        return "Pin(%s)" % (self._id,)

    def _lvl(self):
        # The level the sim input drives now: -1 where it drives none.
        s = self._s
        if not s:
            return -1
        now = _ms()
        i = self._i
        n = len(s)
        while i + 1 < n and _D(now, _t._at(s[i + 1][0])) >= 0:
            i += 1
        self._i = i
        return s[i][1] if _D(now, _t._at(s[i][0])) >= 0 else -1

    def _rest(self):
        # The level of an undriven input: its pull (an open drain left high floats high).
        return 0 if self._p == 1 else 1 if self._p == 2 or self._m == 7 else 0

    def value(self, v=None):
        if v is None:
            m = self._m
            if m == 3 or (m == 7 and self._o == 0):
                return self._o
            v = self._lvl()
            return self._rest() if v < 0 else v
        o = self._o
        self._o = v = 1 if v else 0
        if self._h is not None and o != v and self._s is None:
            # A driven output with an irq sees its own edge, as a board's pin does.
            if self._tr & (1 if v else 2):
                self._h(self)

    __call__ = value

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    high = on
    low = off

    def toggle(self):
        self.value(1 - self._o)

    def mode(self, m=None):
        if m is None:
            return self._m
        self._m = m

    def pull(self, p=None):
        if p is None:
            return self._p
        self._p = p

    def irq(self, handler=None, trigger=3, *, priority=1, wake=None, hard=False):
        # Fires `handler(pin)` on the scripted edges (sim input) as the virtual clock passes
        # them; on an output pin, on the edges the script itself writes.
        self._h = handler
        self._tr = trigger
        _off(self)
        s = self._s
        if handler is not None and s:
            now = _ms()
            k = 0
            while k < len(s) and _D(_t._at(s[k][0]), now) <= 0:
                k += 1
            self._k = k
            if k < len(s):
                self._due = _t._at(s[k][0])
                _on(self)
        return self

    def _fire(self):
        s = self._s
        k = self._k
        was = s[k - 1][1] if k else self._rest()
        v = s[k][1]
        k += 1
        self._k = k
        if k < len(s):
            self._due = _t._at(s[k][0])
        else:
            _off(self)
        if v != was and self._tr & (1 if v else 2):
            self._h(self)


class Signal:
    def __init__(self, pin, *a, invert=False, **k):
        self._p = pin if isinstance(pin, Pin) else Pin(pin, *a, **k)
        self._n = 1 if invert else 0

    def value(self, v=None):
        if v is None:
            return self._p.value() ^ self._n
        self._p.value((1 if v else 0) ^ self._n)

    __call__ = value

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


class Timer:
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, id=-1, **kw):
        self._id = id
        self._cb = None
        self._per = 0
        self._mode = 1
        self._due = 0
        if kw:
            self.init(**kw)

    def init(self, *, mode=1, period=-1, freq=-1, tick_hz=1000, callback=None, hard=False):
        # Periods shorter than a millisecond fire once per virtual millisecond.
        if freq > 0:
            period = 1000 // freq if isinstance(freq, int) else int(1000 / freq)
        elif period >= 0 and tick_hz != 1000:
            period = period * 1000 // tick_hz
        self._per = period if period > 0 else 1
        self._mode = mode
        self._cb = callback
        self._due = _A(_ms(), self._per)
        _on(self)

    def deinit(self):
        _off(self)

    def _fire(self):
        if self._mode:
            self._due = _A(self._due, self._per)
        else:
            _off(self)
        if self._cb is not None:
            self._cb(self)


def freq(hz=None):
    global _f
    if hz is None:
        return _f
    _f = hz


def idle():
    # A board waits here for the next interrupt: at most a millisecond of virtual time.
    _t._go(1)


def lightsleep(ms=None):
    if ms is None:
        e = _t._first()
        if e is None:
            _end("lightsleep() with nothing to wake it")
        ms = _D(e._due, _ms())
    _t._go(ms if ms > 0 else 0)


def deepsleep(ms=None):
    if ms:
        _t._go(ms)
    _end("deepsleep(%s)" % ("" if ms is None else ms))


def reset():
    _end("reset()")


def soft_reset():
    _end("soft_reset()")


def reset_cause():
    return {"hard": 2, "wdt": 3, "deepsleep": 4, "soft": 5}.get(_t._sim("reset_cause"), 1)


def wake_reason():
    return 4 if reset_cause() == 4 else 0


def unique_id():
    return b"\x24\x0a\xc4\x5f\x3e\x21"


def disable_irq():
    s = _t._irq
    _t._irq = 0
    return s


def enable_irq(state=1):
    _t._irq = state


def time_pulse_us(pin, level, timeout_us=1000000):
    # With scripted edges: the pulse they make (to the millisecond), waited for on the virtual
    # clock; without: a 1160 us pulse (an HC-SR04 echo from 20 cm).
    s = pin._s
    if not s:
        _t.sleep_us(1160)
        return 1160
    now = _D(_ms(), _t._z)
    start = now if pin.value() == level else -1
    end = -1
    for e in s:
        t = e[0]
        if t <= now:
            continue
        if start < 0:
            if e[1] == level:
                start = t
        elif e[1] != level:
            end = t
            break
    if start < 0 or (start - now) * 1000 > timeout_us:
        _t.sleep_us(timeout_us)
        return -2
    if end < 0 or (end - start) * 1000 > timeout_us:
        _t.sleep_us((start - now) * 1000 + timeout_us)
        return -1
    _t.sleep_ms(end - now)
    return (end - start) * 1000


def bitstream(pin, encoding, timing, buf):
    pass


def __getattr__(name):
    # The rarer classes: loaded at first use (the integration pre-imports the parts a script
    # names, so their heap is the shims', not the script's).
    p = (
        "_machine_adc"
        if name in ("ADC", "ADCBlock", "PWM")
        else "_machine_bus"
        if name in ("I2C", "SoftI2C", "SPI", "SoftSPI", "UART")
        else "_machine_rtc"
        if name in ("RTC", "WDT")
        else None
    )
    if p is None:
        raise AttributeError(name)
    __import__(p)
    return globals()[name]


sys.modules["umachine"] = sys.modules[__name__]
