# Dicts and sets resized again and again, with deletions in between.
d = {}
for i in range(400):
    d['key%d' % i] = [i]
    if i % 3 == 0:
        del d['key%d' % (i // 2)]
print(len(d), sum(v[0] for v in d.values()) % 99991)
s = set()
for i in range(500):
    s.add(str(i % 137) * 2)
    s.discard(str((i * 7) % 137) * 2)
print(len(s))
inv = {v[0]: k for k, v in d.items()}
print(len(inv), inv[399])
big = dict.fromkeys(range(300), 'x')
big.update({i: i for i in range(150)})
print(len(big), big[10], big[299])
