# mpheap board shim: `ds18x20`: read_temp() is the sim input's "ds18x20" temperature, or about
# 21.5 degC drifting a little with clock time.
import time as _t


class DS18X20:
    def __init__(self, onewire):
        self.ow = onewire

    def scan(self):
        return [r for r in self.ow.scan() if r[0] in (0x10, 0x22, 0x28)]

    def convert_temp(self):
        pass

    def read_scratch(self, rom):
        t = int(self.read_temp(rom) * 16)
        b = bytearray(b"\x00\x00\x4b\x46\x7f\xff\x0c\x10\x00")
        b[0] = t & 255
        b[1] = (t >> 8) & 255
        b[8] = self.ow.crc8(b[:8])
        return b

    def write_scratch(self, rom, buf):
        pass

    def read_temp(self, rom):
        return _t._sim("ds18x20", 21.5 + _t._ms() // 60000 % 4 / 8)
