# The part of a sample that reads and writes: gc's figures and the allocation table into V, then
# the record into the line buffer. Called with the heap locked.
import gc
from mpheap_agent import V, O


def _table():
    # One pass over gc.c's allocation table, 2 bits a block: 0 free, 1 head, 2 tail.
    m = O[2]
    t = V[7]
    f = r = g = a = b = o = 0
    for i in range(V[8]):
        x = m[t + i]
        for k in range(4):
            e = (x >> (k + k)) & 3
            if e == 2:
                o += 1
                continue
            if o == 1:
                a += 1
            elif o == 2:
                b += 1
            o = e
            if e:
                r = 0
            else:
                f += 1
                r += 1
                if r > g:
                    g = r
    if o == 1:
        a += 1
    elif o == 2:
        b += 1
    V[9] = g * 16
    V[10] = a
    V[11] = b
    return f * 16



def measure():
    V[13] = gc.mem_alloc()
    f = gc.mem_free()
    V[17] = O[5]() if O[5] else -1
    V[9] = V[10] = V[11] = V[14] = -1
    V[12] = f
    if O[2] is not None:
        x = _table()
        # A table that no longer adds up (the heap grew another area) gives no figures.
        if V[8] * 64 - x != V[13]:
            V[9] = V[10] = V[11] = -1
        else:
            V[12] = x
            V[14] = f - x
    _line()



def _line():
    # The record, byte by byte into the buffer made by start(), then its Fletcher-16.
    B = O[3]
    i = 0
    for w in range(14):
        if w:
            B[i] = 32
            i += 1
        if w < 3:
            z = O[w - 1] if w else b'mph1'
            for j in range(len(z)):
                B[i] = z[j]
                i += 1
        elif w < 13:
            n = V[b'\x00\x01\x02\x0c\x0d\x09\x0a\x0b\x0e\x13'[w - 3]]
            if w == 8 and V[17] >= 0:
                n = V[17]
            if n < 0:
                B[i] = 45
                i += 1
                continue
            d = 1
            while n // d >= 10:
                d *= 10
            while d:
                B[i] = 48 + n // d % 10
                i += 1
                d //= 10
        else:
            B[i] = 99 if V[6] else 45
            i += 1
            if V[17] >= 0 or V[9] >= 0:
                B[i] = 102 if V[17] >= 0 else 97
                i += 1
    s = c = 0
    for j in range(i):
        s = (s + B[j]) % 255
        c = (c + s) % 255
    c = c * 256 + s
    B[i] = 32
    B[i + 1] = 42
    for j in range(4):
        B[i + 2 + j] = b'0123456789abcdef'[(c >> (12 - 4 * j)) & 15]
    V[16] = i + 6


