# mpheap_agent's start(), second part: where gc.c's allocation table is. Modules this small
# are what MicroPython 1.9.2 can compile on a 10 KB heap; the agent empties it after use.
import gc
import micropython


def _reader(lo, n):
    # RAM from address lo on, and what to add to an offset from lo to index it: machine.mem8
    # takes addresses, a uctypes view offsets. Offsets keep the arithmetic in small integers.
    try:
        import machine
        return machine.mem8, lo
    except Exception:
        pass
    try:
        import uctypes
        return uctypes.bytearray_at(lo, n), 0
    except Exception:
        return None, 0



def _ok(m, t, n):
    # The table at t is gc.c's own when its allocated blocks are gc.mem_alloc(), twice over,
    # with an allocation between. Counted with the heap locked (a frame given on the heap would
    # be counted and gone again by the time gc.mem_alloc() looks) and in this frame, not a call
    # deeper: the micro:bit's stack (1.8 KB) leaves room for few calls below start().
    z = None
    for r in range(2):
        micropython.heap_lock()
        try:
            u = 0
            for i in range(n):
                x = m[t + i]
                for k in range(4):
                    if (x >> (k + k)) & 3:
                        u += 1
            u = u * 16 == gc.mem_alloc()
        finally:
            micropython.heap_unlock()
        if not u:
            return False
        if r == 0:
            z = bytearray(70)
    return len(z) > 0



def _marker(m, base, e):
    # A head and exactly fifteen tails: the 16-block tuple locate() makes. Entry e counts from
    # base * 4, so the arithmetic stays in small integers.
    for i in range(17):
        k = (m[base + ((e + i) >> 2)] >> (((e + i) & 3) * 2)) & 3
        if i == 0:
            if k != 1:
                return False
        elif i < 16:
            if k != 2:
                return False
        elif k == 2:
            return False
    return True



def locate(V, O, p):
    # Finds the allocation table of a pool of p bytes: a 16-block marker is made and its pattern
    # searched for downwards from the marker, where gc.c keeps the table; each candidate is
    # checked against gc.mem_alloc(). Reads only RAM between the table and the marker.
    n = p // 64
    if n > 262144:
        return
    gc.collect()
    k = tuple(range(60))
    a = id(k)
    lo = max(0, a - p - n - n - 96)
    m, base = _reader(lo, a - lo)
    if m is None:
        return
    # Offsets from lo from here on (4 entries to a byte), so the arithmetic stays small.
    a -= lo
    for x in range(a - 1, 3, -1):
        if m[base + x] != 170:
            continue
        for e in range(4 * x - 12, 4 * x):
            # The first marker below the marker is the table's entry for it: if it does not
            # check out, stop rather than read on towards memory that may not be RAM.
            if not _marker(m, base, e):
                continue
            # The marker's head is entry e: which table start t puts it where gc.c would?
            b = e & 3
            while b < 4 * n:
                t = (e - b) >> 2
                g = a - 16 * b - t - n
                if g < 0:
                    return
                if g <= n + 96 and _ok(m, base + t, n):
                    O[2] = m
                    V[7] = base + t
                    V[8] = n
                    return
                b += 4
            return

