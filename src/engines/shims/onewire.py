# mpheap board shim: `onewire`: one DS18B20 on every bus, answering resets.
class OneWireError(Exception):
    pass


class OneWire:
    SEARCH_ROM = 0xF0
    MATCH_ROM = 0x55
    SKIP_ROM = 0xCC

    def __init__(self, pin):
        self.pin = pin

    def reset(self, required=False):
        return True

    def readbit(self):
        return 1

    def readbyte(self):
        return 0xFF

    def readinto(self, buf):
        for i in range(len(buf)):
            buf[i] = 0xFF

    def write(self, buf):
        pass

    def writebyte(self, b):
        pass

    def select_rom(self, rom):
        pass

    def scan(self):
        return [bytearray(b"\x28\xaa\x3c\x57\x04\x00\x00\xe8")]

    def crc8(self, data):
        # Dallas/Maxim CRC-8 (polynomial 0x31, reflected).
        c = 0
        for b in data:
            for _ in range(8):
                c = (c >> 1) ^ 0x8C if (c ^ b) & 1 else c >> 1
                b >>= 1
        return c
