import struct
from collections import OrderedDict, deque, namedtuple
# struct packing, namedtuple, OrderedDict, deque.
P = namedtuple('P', ('x', 'y', 'tag'))
pts = [P(i, i * i, 't%d' % i) for i in range(40)]
print(pts[-1], pts[5].tag, sum(p.y for p in pts))
od = OrderedDict()
for i in range(30):
    od['k%d' % (i % 12)] = i
print(list(od.items())[:4], len(od))
q = deque((), 16)
for i in range(100):
    q.append([i])
print(len(q), q.popleft(), q.pop())
packed = b''.join(struct.pack('<hif', i, i * 1000, i / 2) for i in range(30))
print(len(packed), struct.unpack_from('<hif', packed, 29 * 10))
