# Deep recursion: many frames, each holding objects.
def build(n):
    if n == 0:
        return []
    return [n, str(n)] + build(n - 1)

def tree(d):
    if d == 0:
        return ('leaf', [d])
    return ('node', tree(d - 1), tree(d - 1))

def count(t):
    return 1 if t[0] == 'leaf' else 1 + count(t[1]) + count(t[2])

print(len(build(40)), build(40)[:4])
print(count(tree(8)))
def ackermann(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ackermann(m - 1, 1)
    return ackermann(m - 1, ackermann(m, n - 1))
print(ackermann(2, 3))
