# Generators keep their frames (and everything in them) on the heap between yields.
def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b

def chunks(seq, n):
    buf = []
    for x in seq:
        buf.append(str(x) * 3)
        if len(buf) == n:
            yield buf
            buf = []
    if buf:
        yield buf

g = fib()
print([next(g) for _ in range(40)][-3:])
print([len(''.join(c)) for c in chunks(range(50), 7)])
gens = [(i * j for j in range(i)) for i in range(12)]
print([sum(x) for x in gens])
def echo():
    got = []
    while True:
        v = yield len(got)
        if v is None:
            return got
        got.append([v] * 2)
e = echo()
next(e)
for i in range(15):
    e.send('v%d' % i)
try:
    e.send(None)
except StopIteration as stop:
    print(len(stop.value), stop.value[-1])
