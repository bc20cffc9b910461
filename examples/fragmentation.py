# Fragmenting the heap until one large allocation fails.
#
# A program keeps small, long-lived records and throws away the short-lived scratch buffers
# made between them. Collecting frees the scratch, yet the free memory ends up in small holes
# between the records, and one large buffer no longer fits anywhere although, in total, more
# than enough is free.
#
#   mpheap run examples/fragmentation.py --fixed --heap 16K
import gc

import mpheap


def load_records(n):
    # Each record is kept; each scratch buffer is garbage once this function returns.
    records = []
    scratch = []
    for i in range(n):
        records.append(bytearray(48))
        scratch.append(bytearray(176))
    mpheap.snap("records and scratch")
    return records


def main():
    records = load_records(36)
    gc.collect()
    mpheap.snap("scratch freed")
    try:
        frame = bytearray(6000)
        print("got a frame buffer of", len(frame), "bytes")
    except MemoryError:
        print("no room for a 6,000-byte frame buffer although", gc.mem_free(), "bytes are free")
    return records


main()
