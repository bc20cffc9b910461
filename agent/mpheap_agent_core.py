# The sampling half of mpheap_agent (imported by its start()): a sample reads gc's figures and
# the allocation table into V and writes the record into the buffer start() made, with the heap
# locked, so it cannot allocate.
import gc
import micropython
from mpheap_agent import V, O
from mpheap_agent_read import measure
try:
    import utime as time
except ImportError:
    import time

_DEEP = 'mpheap_agent: stack too deep, call it nearer the top'


def _clock():
    n = time.ticks_ms()
    V[3] += time.ticks_diff(n, V[4])
    V[4] = n
    while V[3] >= 1000:
        V[3] -= 1000
        V[2] += 1
        V[15] += 1



def sample():
    # Takes one sample now and sends its record; returns its sequence number.
    _clock()
    if V[6]:
        gc.collect()
    # Locked, the heap refuses every allocation: one the sample tried would raise, not happen.
    try:
        micropython.heap_lock()
        try:
            measure()
        finally:
            micropython.heap_unlock()
    except RuntimeError:
        # Out of C stack (the micro:bit has 1.8 KB): locked, the error could not even say so.
        raise RuntimeError(_DEEP)
    V[15] = 0
    V[1] += 1
    try:
        # A copy of the line's bytes (1.9.2 has no memoryview): sending allocates anyway.
        O[4](O[3][:V[16]])
    except RuntimeError:
        raise RuntimeError(_DEEP)
    except Exception:
        # The network is away: the record is lost, counted; the program goes on.
        V[18] += 1
    return V[1] - 1



def tick():
    # Call it from the main loop: samples when `every` seconds have passed since the last one.
    _clock()
    if V[15] >= V[5]:
        sample()



def begin():
    # The clock starts at the board's uptime; start() then takes the first sample itself (a
    # call less deep: the micro:bit's stack is small).
    V[4] = time.ticks_ms()
    V[2] = V[4] // 1000
    V[3] = V[4] % 1000



def _print(line):
    print(str(line, 'ascii'))



