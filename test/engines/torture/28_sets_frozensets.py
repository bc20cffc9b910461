# Set algebra creates new sets; frozensets used as keys.
a = set(range(0, 200, 2))
b = set(range(0, 200, 3))
print(len(a | b), len(a & b), len(a - b), len(a ^ b))
groups = {}
for i in range(120):
    key = frozenset([i % 5, i % 7])
    groups.setdefault(key, []).append(i)
print(len(groups), sorted(len(v) for v in groups.values())[:5])
print(sorted(a & b)[:10], {1, 2} <= {1, 2, 3}, frozenset('abc') == frozenset('cba'))
