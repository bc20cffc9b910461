# Iterator protocol, custom iterables, enumerate/zip/reversed over live data.
class Countdown:
    def __init__(self, n):
        self.n = n
    def __iter__(self):
        return self
    def __next__(self):
        if self.n <= 0:
            raise StopIteration
        self.n -= 1
        return [self.n] * 2

print([x[0] for x in Countdown(25)])
it = iter(range(100))
pairs = list(zip(it, it))
print(pairs[:3], len(pairs))
print(list(enumerate(reversed(['a%d' % i for i in range(10)]), 5))[:3])
print(sum(1 for _ in filter(lambda v: v[0] % 2, Countdown(40))))
