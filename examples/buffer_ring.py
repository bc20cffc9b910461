# A ring of bytearray buffers, allocated once and reused.
#
# The usual cure for fragmentation on a board: allocate the large buffers early, while the
# heap is still in one piece, and write into them in place (readinto, slice assignment)
# instead of making new bytes objects per packet. The heap stays flat while packets flow.
#
#   mpheap run examples/buffer_ring.py --fixed --heap 16K
import mpheap

SLOTS = 4
SIZE = 512

ring = [bytearray(SIZE) for _ in range(SLOTS)]
lengths = [0] * SLOTS
head = 0
mpheap.snap("ring allocated")


def receive(seq, into):
    # Stand-in for uart.readinto(into): fill the buffer in place, no new objects.
    n = 64 + (seq * 53) % (SIZE - 64)
    for i in range(n):
        into[i] = (seq + i) & 0xFF
    return n


for seq in range(40):
    lengths[head] = receive(seq, ring[head])
    head = (head + 1) % SLOTS
mpheap.snap("40 packets through the ring")

checksum = 0
for slot in range(SLOTS):
    view = memoryview(ring[slot])[: lengths[slot]]
    for b in view:
        checksum = (checksum + b) & 0xFFFF
print("checksum of the last", SLOTS, "packets:", checksum)
mpheap.snap("checksummed")
