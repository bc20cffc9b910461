# mpheap board shim: machine.ADC, machine.ADCBlock, machine.PWM (loaded at first use).
import machine as _m
import time as _t

_adcs = {}

class ADC:
    ATTN_0DB = 0
    ATTN_2_5DB = 1
    ATTN_6DB = 2
    ATTN_11DB = 3
    WIDTH_9BIT = 0
    WIDTH_10BIT = 1
    WIDTH_11BIT = 2
    WIDTH_12BIT = 3
    CORE_TEMP = 4

    def __new__(cls, src, **kw):
        # One object per channel, as on a board, so a channel's scripted readings go on in turn.
        k = src._id if isinstance(src, _m.Pin) else src
        a = _adcs.get(k)
        if a is None:
            a = _adcs[k] = object.__new__(cls)
            a._s = _t._sim("adc", {}).get(str(k))  # scripted readings, in turn; the last repeats
            a._i = 0
            # The rp2's channel 4 is its temperature sensor: ~14060 is 0.708 V, about 26 degC.
            a._c = 14060 if k == 4 else 32768
            a._a = 40 if k == 4 else 8192
            a._ph = (hash(str(k)) & 1023) * 4
        return a

    def __init__(self, src, *, atten=None):
        pass

    def init(self, *a, **k):
        pass

    def read_u16(self):
        s = self._s
        if s:
            i = self._i
            if i < len(s) - 1:
                self._i = i + 1
            return s[i]
        # A slow triangle wave around mid-scale (period ~33 s of clock time), allocation-free.
        p = (_t._ms() // 8 + self._ph) & 4095
        p = p if p < 2048 else 4096 - p
        return self._c - self._a + p * self._a // 1024

    def read_uv(self):
        v = self.read_u16() * 3300
        return v // 65535 * 1000 + v % 65535 * 1000 // 65535

    def read(self):
        return self.read_u16() >> 4

    def atten(self, a):
        pass

    def width(self, w):
        pass

    def block(self):
        return ADCBlock(1)


class ADCBlock:
    def __init__(self, id, *, bits=12):
        self._id = id

    def init(self, *, bits=12):
        pass

    def connect(self, a, b=None, **k):
        return ADC(b if b is not None and not isinstance(a, _m.Pin) else a)


class PWM:
    def __init__(self, dest, *, freq=1000, duty_u16=None, duty_ns=None, invert=False):
        self._pin = dest if isinstance(dest, _m.Pin) else _m.Pin(dest)
        self._f = freq
        self._d = 0
        self.init(freq=freq, duty_u16=duty_u16, duty_ns=duty_ns)

    def init(self, *, freq=None, duty_u16=None, duty_ns=None, duty=None, invert=False):
        if freq is not None:
            self._f = freq
        if duty_u16 is not None:
            self._d = duty_u16
        elif duty_ns is not None:
            self.duty_ns(duty_ns)
        elif duty is not None:
            self.duty(duty)

    def freq(self, f=None):
        if f is None:
            return self._f
        self._f = f

    def duty_u16(self, d=None):
        if d is None:
            return self._d
        self._d = d

    def duty_ns(self, ns=None):
        if ns is None:
            return self._d * 1000000000 // (65535 * self._f)
        self._d = min(65535, ns * self._f * 65535 // 1000000000)

    def duty(self, d=None):
        # The esp32's 10-bit duty.
        if d is None:
            return self._d >> 6
        self._d = d * 65535 // 1023

    def deinit(self):
        self._d = 0


_m.ADC = ADC
_m.ADCBlock = ADCBlock
_m.PWM = PWM
