# mpheap board shim: machine.I2C/SoftI2C, SPI/SoftSPI and UART (loaded at first use).
import machine as _m
import time as _t

_mem = {}  # I2C devices: address -> bytearray(256) of registers, made at first use
_ptr = {}  # I2C devices: address -> the register the next plain read starts at


def _dev(a):
    # The register file of device `a`, or OSError(ENODEV) as a board raises for no ACK.
    m = _mem.get(a)
    if m is None:
        sim = _t._sim("i2c")
        if sim is None:
            if a not in (0x3C, 0x68, 0x76):
                raise OSError(19)
            m = bytearray((r * 7 + a) & 255 for r in range(256))
            m[0xD0] = 0x60  # BME280 chip id
            m[0x75] = 0x68  # MPU-6050 WHO_AM_I
        else:
            regs = sim.get(str(a))
            if regs is None:
                raise OSError(19)
            m = bytearray(256)
            for r in regs:
                i = int(r)
                for b in regs[r]:
                    m[i & 255] = b
                    i += 1
        _mem[a] = m
    return m


def _read(a, r, buf):
    m = _dev(a)
    for i in range(len(buf)):
        buf[i] = m[(r + i) & 255]
    _ptr[a] = (r + len(buf)) & 255


def _write(a, r, buf):
    m = _dev(a)
    for b in buf:
        m[r & 255] = b
        r += 1
    _ptr[a] = r & 255


class I2C:
    def __init__(self, id=0, *, scl=None, sda=None, freq=400000, timeout=50000):
        self._id = id

    def init(self, **k):
        pass

    def deinit(self):
        pass

    def scan(self):
        sim = _t._sim("i2c")
        return [0x3C, 0x68, 0x76] if sim is None else sorted(int(a) for a in sim)

    def readfrom_into(self, addr, buf, stop=True):
        _read(addr, _ptr.get(addr, 0), buf)

    def readfrom(self, addr, n, stop=True):
        b = bytearray(n)
        self.readfrom_into(addr, b)
        return bytes(b)

    def writeto(self, addr, buf, stop=True):
        # The first byte sets the register pointer, the rest are written from there.
        if len(buf):
            _write(addr, buf[0], memoryview(buf)[1:])
        else:
            _dev(addr)
        return len(buf)

    def writevto(self, addr, vector, stop=True):
        b = bytearray()
        for v in vector:
            b.extend(v)
        return self.writeto(addr, b)

    def readfrom_mem_into(self, addr, memaddr, buf, *, addrsize=8):
        _read(addr, memaddr, buf)

    def readfrom_mem(self, addr, memaddr, n, *, addrsize=8):
        b = bytearray(n)
        _read(addr, memaddr, b)
        return bytes(b)

    def writeto_mem(self, addr, memaddr, buf, *, addrsize=8):
        _write(addr, memaddr, buf)

    # SoftI2C's primitives: accepted, acknowledged by everyone.
    def start(self):
        pass

    def stop(self):
        pass

    def readinto(self, buf, nack=True):
        for i in range(len(buf)):
            buf[i] = 0xFF

    def write(self, buf):
        return len(buf)


class SoftI2C(I2C):
    pass


class SPI:
    MSB = 0
    LSB = 1
    CONTROLLER = 0

    def __init__(self, id=1, baudrate=1000000, **k):
        self._id = id
        self._b = baudrate
        self._s = _t._sim("spi", {}).get(str(id))  # bytes the device sends back, in turn
        self._i = 0

    def init(self, baudrate=None, **k):
        if baudrate:
            self._b = baudrate

    def deinit(self):
        pass

    def readinto(self, buf, write=0):
        s = self._s
        for j in range(len(buf)):
            i = self._i
            if s and i < len(s):
                buf[j] = s[i]
                self._i = i + 1
            else:
                buf[j] = 0xFF
        return None

    def read(self, n, write=0):
        b = bytearray(n)
        self.readinto(b)
        return bytes(b)

    def write(self, buf):
        return None

    def write_readinto(self, wbuf, rbuf):
        self.readinto(rbuf)


class SoftSPI(SPI):
    def __init__(self, baudrate=500000, **k):
        SPI.__init__(self, -1, baudrate)


class UART:
    INV_TX = 1
    INV_RX = 2
    RTS = 1
    CTS = 2

    def __init__(self, id, baudrate=115200, **k):
        self._id = id
        self._b = baudrate
        s = _t._sim("uart", {}).get(str(id))  # [[t_ms, text], ...]: what arrives, and when
        self._s = [[0, s]] if isinstance(s, str) else s
        self._k = 0
        self._q = b""

    def init(self, baudrate=None, **k):
        if baudrate:
            self._b = baudrate

    def deinit(self):
        pass

    def _rx(self):
        # Bytes whose time has come join what was received and not yet read.
        s = self._s
        if s:
            now = _t.ticks_ms()
            while self._k < len(s) and _t.ticks_diff(now, _t._at(s[self._k][0])) >= 0:
                self._q += s[self._k][1].encode()
                self._k += 1
        return self._q

    def any(self):
        return len(self._rx())

    def read(self, n=-1):
        q = self._rx()
        if not q:
            return None
        if n is None or n < 0 or n >= len(q):
            self._q = b""
            return q
        self._q = q[n:]
        return q[:n]

    def readinto(self, buf, n=-1):
        r = self.read(len(buf) if n < 0 else n)
        if r is None:
            return None
        buf[: len(r)] = r
        return len(r)

    def readline(self):
        q = self._rx()
        i = q.find(b"\n")
        return self.read(-1 if i < 0 else i + 1)

    def write(self, buf):
        # What a board sends on its TX pin goes nowhere here.
        return len(buf)

    def flush(self):
        pass

    def txdone(self):
        return True

    def sendbreak(self):
        pass


_m.I2C = I2C
_m.SoftI2C = SoftI2C
_m.SPI = SPI
_m.SoftSPI = SoftSPI
_m.UART = UART
