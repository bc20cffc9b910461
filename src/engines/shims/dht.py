# mpheap board shim: `dht`: measure() takes a reading from the sim input ("dht": temperature,
# humidity) or a plausible room (about 22-23 degC, 45-47 %RH, drifting with clock time).
import time as _t


class DHTBase:
    def __init__(self, pin):
        self.pin = pin
        self._t = 0
        self._h = 0

    def measure(self):
        s = _t._sim("dht", {})
        d = _t._ms() // 60000 % 8  # a step every minute of clock time
        self._t = s.get("temperature", 22 + d / 10)
        self._h = s.get("humidity", 45 + d / 4)


class DHT11(DHTBase):
    def temperature(self):
        return int(self._t)

    def humidity(self):
        return int(self._h)


class DHT22(DHTBase):
    def temperature(self):
        return self._t

    def humidity(self):
        return self._h
