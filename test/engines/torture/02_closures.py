# Closures capture cells that must outlive the frames that made them.
def counter(start):
    n = [start]
    def inc(step=1):
        n[0] += step
        return n[0]
    return inc

def compose(*fs):
    def run(x):
        for f in reversed(fs):
            x = f(x)
        return x
    return run

cs = [counter(i * 10) for i in range(20)]
for c in cs:
    c()
    c(2)
print([c() for c in cs])
f = compose(lambda x: x + [len(x)], lambda x: x * 2, lambda x: [x])
print(f('ab'), f([1]))
adders = [(lambda k: lambda v: v + k)(k) for k in range(10)]
print(sum(a(100) for a in adders))
