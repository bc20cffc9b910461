# mpheap board shim: machine.RTC and machine.WDT (loaded at first use).
import machine as _m
import time as _t


class RTC:
    def __init__(self, id=0):
        pass

    def init(self, dt=None):
        if dt is not None:
            self.datetime(dt)

    def datetime(self, dt=None):
        # (year, month, day, weekday, hours, minutes, seconds, subseconds), on the virtual clock.
        if dt is None:
            y, mo, d, h, mi, s, wd, yd = _t.localtime()
            return (y, mo, d, wd, h, mi, s, 0)
        _t._set_wall(_t.mktime((dt[0], dt[1], dt[2], dt[4], dt[5], dt[6], 0, 0)))


class WDT:
    # Not fed within `timeout` ms of clock time, it fires as a clock event (in a sleep, idle(),
    # lightsleep() or an asyncio wait): a board resets there, so mpheap ends the script.
    def __init__(self, id=0, timeout=5000):
        self._ms = timeout if timeout > 0 else 1
        self.feed()
        _m._on(self)

    def feed(self):
        self._due = _t.ticks_add(_t.ticks_ms(), self._ms)

    def _fire(self):
        _m._off(self)
        _m._end("WDT not fed for %d ms" % self._ms)


_m.RTC = RTC
_m.WDT = WDT
