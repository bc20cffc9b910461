# Keyword arguments, defaults, *args/**kwargs, bound methods, functools-style helpers.
def record(name, *vals, scale=1, **extra):
    return {'name': name, 'vals': [v * scale for v in vals], 'extra': sorted(extra.items())}

rs = [record('r%d' % i, i, i + 1, scale=i % 3, unit='mm', n=i) for i in range(50)]
print(rs[-1], len(rs))
class Box:
    def __init__(self):
        self.items = []
    def put(self, x):
        self.items.append(x)
        return self
b = Box()
put = b.put
for i in range(100):
    put([i])
print(len(b.items), b.items[-1])
def reduce(f, seq, acc):
    for x in seq:
        acc = f(acc, x)
    return acc
print(reduce(lambda a, x: a + [x * 2] if x % 4 else a, range(60), []))
print(list(filter(None, [0, 1, '', 'a', [], [0], None])), list(map(lambda *a: sum(a), [1, 2], [3, 4], [5, 6])))
