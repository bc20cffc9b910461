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
    micropython.heap_lock()
    try:
        measure()
    finally:
        micropython.heap_unlock()
    V[15] = 0
    V[1] += 1
    try:
        O[4](memoryview(O[3])[:V[16]])
    except Exception:
        V[18] += 1
    return V[1] - 1



def tick():
    # Call it from the main loop: samples when `every` seconds have passed since the last one.
    _clock()
    if V[15] >= V[5]:
        sample()



def begin():
    V[4] = time.ticks_ms()
    V[2] = V[4] // 1000
    V[3] = V[4] % 1000
    return sample()



def _print(line):
    print(str(bytes(line), 'ascii'))



