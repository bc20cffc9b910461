# mpheap board shim: `time` (and `utime`) on a virtual clock.
# sleep/sleep_ms/sleep_us advance the clock at once instead of waiting; ticks_* read the engine's
# real elapsed time plus all the time slept. Clock events (machine.Timer, Pin edges, the WDT,
# asyncio) fire as the virtual clock passes their due time. See docs/shims.md.
import sys
import utime as _b  # the engine's builtin clock (the frozen `time` wraps the same functions)

_A = _b.ticks_add
_D = _b.ticks_diff
ticks_add = _A
ticks_diff = _D
_E = 946684800  # seconds from 1970 to 2000: boards count time() from 2000
_om = 0  # virtual ms slept, as a ticks offset
_ou = 0  # virtual us slept, as a ticks offset
_r = 0  # the sub-millisecond part of the virtual time not yet in _om
_vm = 0  # virtual ms slept in all (for time())
_t0 = _b.ticks_ms()  # real ticks when the shims started
_z = _t0  # ticks_ms at the script's start (see _zero): sim input times count from here
_s0 = 0  # wall clock (seconds since 2000) at _t0; RTC.datetime() moves it
_ev = []  # clock events: objects with _due (a ticks_ms value) and _fire()
_irq = 1  # 0 while machine.disable_irq() holds the events back
_in = None  # the sim input, read once


def _sim(key, default=None):
    # The sim input (docs/shims.md) is a JSON file the integration writes before the script.
    global _in
    if _in is None:
        _in = {}
        try:
            import json

            with open("/mpheap_sim_input.json") as f:
                _in = json.load(f)
        except OSError:
            pass
    return _in.get(key, default)


def ticks_ms():
    t = _A(_b.ticks_ms(), _D(_om, 0))
    if _z is None:
        _start(t)
    return t


def ticks_us():
    if _z is None:
        ticks_ms()
    return _A(_b.ticks_us(), _D(_ou, 0))


ticks_cpu = ticks_us


def _at(ms):
    # The ticks_ms value `ms` milliseconds after the script's start (sim input times).
    if _z is None:
        ticks_ms()
    return _A(_z, ms)


def _zero():
    # Called just before the script runs: its sim input times count from the first time it
    # looks at the clock (a tick, a sleep, a pin, a timer), so compiling it takes none of them.
    global _z
    _z = None


def _start(t):
    global _z
    _z = t


def _adv(ms, us):
    # Moves the clock on by ms + us (0 <= ms <= 100000, 0 <= us < 1000): small ints only.
    global _om, _ou, _r, _vm
    _ou = _A(_ou, ms * 1000 + us)
    us += _r
    if us >= 1000:
        ms += 1
        us -= 1000
    _r = us
    _om = _A(_om, ms)
    _vm += ms


def _pass(ms, us=0):
    while ms > 100000:
        _adv(100000, 0)
        ms -= 100000
    _adv(ms, us)


def _first():
    # The clock event due first, or None.
    f = None
    for e in _ev:
        if f is None or _D(e._due, f._due) < 0:
            f = e
    return f


def _go(ms, us=0, one=0):
    # Lets ms + us of virtual time pass, firing each clock event as its due time comes; with
    # `one`, returns after the first event fired (the asyncio loop then looks at its tasks again).
    if _z is None:
        ticks_ms()
    while _irq:
        e = _first()
        if e is None:
            break
        d = _D(e._due, ticks_ms())
        if d > ms:
            break
        if d > 0:
            _pass(d)
            ms -= d
        try:
            e._fire()
        except Exception as x:
            # As a board's scheduler does with a callback that raises: say so and go on.
            print("Uncaught exception in IRQ callback handler")
            sys.print_exception(x)
        if one:
            return
    _pass(ms, us)


def sleep_ms(ms):
    _go(ms if ms > 0 else 0)


def sleep_us(us):
    if us > 0:
        _go(us // 1000, us % 1000)
    else:
        _go(0)


def sleep(s):
    if isinstance(s, int):
        _go(s * 1000 if s > 0 else 0)
    else:
        sleep_us(int(s * 1000000))


def _ms():
    # Milliseconds since the script's start: real time plus the time slept.
    return _D(_b.ticks_ms(), _t0) + _vm


def time():
    return _s0 + _ms() // 1000


def time_ns():
    return (_s0 * 1000 + _ms()) * 1000000


def gmtime(secs=None):
    return _b.gmtime((time() if secs is None else secs) + _E)


localtime = gmtime


def mktime(t):
    return _b.mktime(t) - _E


def _set_wall(secs):
    global _s0
    _s0 = secs - _ms() // 1000


_s = _sim("datetime")
if _s:
    _set_wall(mktime(tuple(_s) + (0, 0)))
del _s
sys.modules["utime"] = sys.modules[__name__]
