# mpheap board shim: `network` (and `unetwork`). A WLAN that connects after a little clock time
# (sim input "wlan": connect_ms, fail, scan); the status codes are the esp32's, or the Pico W's
# with "port": "rp2". No packet goes anywhere.
import sys
import time as _t

STA_IF = 0
AP_IF = 1
if _t._sim("port") == "rp2":
    STAT_IDLE, STAT_CONNECTING, STAT_GOT_IP = 0, 1, 3
    STAT_CONNECT_FAIL, STAT_NO_AP_FOUND, STAT_WRONG_PASSWORD = -1, -2, -3
else:
    STAT_IDLE, STAT_CONNECTING, STAT_GOT_IP = 1000, 1001, 1010
    STAT_CONNECT_FAIL, STAT_NO_AP_FOUND, STAT_WRONG_PASSWORD = 203, 201, 202
AUTH_OPEN, AUTH_WEP, AUTH_WPA_PSK, AUTH_WPA2_PSK, AUTH_WPA_WPA2_PSK = 0, 1, 2, 3, 4
_if = [None, None]
_host = "mpy-board"


def hostname(name=None):
    global _host
    if name is None:
        return _host
    _host = name


def country(c=None):
    return "XX" if c is None else None


class WLAN:
    def __new__(cls, i=0):
        # One object per interface, as on a board.
        w = _if[i]
        if w is None:
            w = _if[i] = object.__new__(cls)
            w._i = i
            w._a = False
            w._due = None  # when a connect() in progress completes
            w._st = STAT_IDLE
            w._ssid = "mpy-ap" if i else ""
            w._ip = ("192.168.4.1", "255.255.255.0", "192.168.4.1", "0.0.0.0") if i else None
        return w

    def __init__(self, i=0):
        pass

    def active(self, on=None):
        if on is None:
            return self._a
        self._a = bool(on)
        if not on:
            self._due = None
            self._st = STAT_IDLE

    def connect(self, ssid=None, key=None, *, bssid=None):
        if not self._a:
            raise OSError("Wifi Not Started")
        if ssid is not None:
            self._ssid = ssid
        self._st = STAT_CONNECTING
        self._due = _t.ticks_add(_t.ticks_ms(), _sim("connect_ms", 1000))

    def disconnect(self):
        self._due = None
        self._st = STAT_IDLE

    def status(self, param=None):
        if param is not None:
            return -58 if param == "rssi" else None
        d = self._due
        if d is not None and _t.ticks_diff(_t.ticks_ms(), d) >= 0:
            self._due = None
            f = _sim("fail")
            self._st = (
                STAT_WRONG_PASSWORD if f == "wrong_password" else STAT_NO_AP_FOUND if f == "no_ap" else STAT_CONNECT_FAIL if f else STAT_GOT_IP
            )
        return self._st

    def isconnected(self):
        return self._i == 0 and self._a and self.status() == STAT_GOT_IP

    def ifconfig(self, cfg=None):
        if cfg is not None:
            self._ip = tuple(cfg)
        elif self._ip is not None and (self._i or self.isconnected()):
            return self._ip
        elif self._i == 0 and self.isconnected():
            return ("192.168.1.42", "255.255.255.0", "192.168.1.1", "192.168.1.1")
        else:
            return ("0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0")

    def ipconfig(self, key=None, **kw):
        c = self.ifconfig()
        return (c[0], c[1]) if key == "addr4" else c[2] if key == "gw4" else False if key == "dhcp4" else None

    def config(self, *a, **kw):
        if kw:
            if "ssid" in kw or "essid" in kw:
                self._ssid = kw.get("ssid", kw.get("essid"))
            return
        k = a[0]
        return (
            b"\x24\x0a\xc4\x5f\x3e" + bytes((0x21 + self._i,))
            if k == "mac"
            else self._ssid
            if k in ("ssid", "essid")
            else 6
            if k == "channel"
            else _host
            if k in ("hostname", "dhcp_hostname")
            else 20
            if k == "txpower"
            else 0
        )

    def scan(self):
        if not self._a:
            raise OSError("Wifi Not Started")
        s = _sim("scan")
        if s is None:
            s = [["HomeNet", -52, 6], ["Cafe-Guest", -71, 11], ["IoT", -80, 1]]
        return [(n.encode(), b"\x24\x0a\xc4\x00\x00" + bytes((i,)), c, r, 3, False) for i, (n, r, c) in enumerate(s)]


class LAN:
    def __init__(self, *a, **k):
        self._a = False

    def active(self, on=None):
        if on is None:
            return self._a
        self._a = bool(on)

    def isconnected(self):
        return self._a

    def status(self):
        return STAT_GOT_IP if self._a else STAT_IDLE

    def ifconfig(self, cfg=None):
        return ("192.168.1.43", "255.255.255.0", "192.168.1.1", "192.168.1.1") if self._a else ("0.0.0.0",) * 4


def _sim(k, d=None):
    return _t._sim("wlan", {}).get(k, d)


sys.modules["unetwork"] = sys.modules[__name__]
