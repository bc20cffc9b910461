# mpheap board shim: `esp32` basics: temperatures, NVS kept in RAM, wake sources accepted.
WAKEUP_ALL_LOW = 0
WAKEUP_ANY_HIGH = 1
HEAP_DATA = 4
HEAP_EXEC = 1


def raw_temperature():
    return 120  # degF, as the esp32's sensor reads a warm chip


def mcu_temperature():
    return 41


def hall_sensor():
    return 30


def idf_heap_info(caps):
    return [(241664, 187412, 110592, 183204)]


def wake_on_ext0(pin, level):
    pass


def wake_on_ext1(pins, level):
    pass


def wake_on_touch(wake):
    pass


def gpio_deep_sleep_hold(enable):
    pass


class NVS:
    def __init__(self, namespace):
        self._d = {}

    def set_i32(self, key, value):
        self._d[key] = value

    def get_i32(self, key):
        if key not in self._d:
            raise OSError(-4354)  # ESP_ERR_NVS_NOT_FOUND
        return self._d[key]

    set_blob = set_i32

    def get_blob(self, key, buf):
        v = self.get_i32(key)
        buf[: len(v)] = v
        return len(v)

    def erase_key(self, key):
        self.get_i32(key)
        del self._d[key]

    def commit(self):
        pass
