# Star-unpacking and dict merging build temporary tuples and dicts.
def f(a, b, *rest, c=0, **kw):
    return (a, b, len(rest), c, sorted(kw))
args = [1, 2, 3, 4, 5]
kws = {'c': 9, 'z': 1, 'y': 2}
out = [f(*args, **kws) for _ in range(50)]
print(out[-1])
first, *middle, last = list(range(30))
print(first, len(middle), last)
merged = {}
for i in range(60):
    merged = dict(merged, **{'k%d' % (i % 20): i})
print(len(merged), merged['k19'])
print(list(range(3)) + list('ab') + [x * 2 for x in range(3)])
