# Fragmenting the heap until one large allocation fails.
#
# A program keeps a few small, long-lived records and throws away the short-lived ones made
# between them. Each step below frees memory, yet the free memory ends up in small holes
# between the survivors, and a single large buffer no longer fits anywhere.
#
#   mpheap run examples/fragmentation.py --fixed --heap 16K --step
import gc
import mpheap

# 1. Interleave long-lived records with short-lived scratch buffers.
keep = []
scratch = []
for i in range(36):
    keep.append(bytearray(48))
    scratch.append(bytearray(176))
mpheap.snap("records and scratch")

# 2. Drop the scratch buffers: their memory is free again, but only in holes between records.
scratch = None
gc.collect()
mpheap.snap("scratch freed")

# 3. Ask for one buffer bigger than any hole.
frame = bytearray(6000)
print("got a frame buffer of", len(frame), "bytes")
