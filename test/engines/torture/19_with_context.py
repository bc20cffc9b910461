# Context managers and try/finally releasing objects on every path.
class Res:
    opened = []
    def __init__(self, name):
        self.name = name
        self.buf = bytearray(64)
    def __enter__(self):
        Res.opened.append(self.name)
        return self
    def __exit__(self, t, v, tb):
        Res.opened.remove(self.name)
        return t is KeyError

for i in range(40):
    with Res('r%d' % i) as r:
        r.buf[0] = i
        if i % 5 == 0:
            raise KeyError(i)
    with Res('outer') as a, Res('inner%d' % i) as b:
        b.buf[1] = len(a.name)
print(Res.opened, i)
