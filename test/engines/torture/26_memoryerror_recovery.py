# A caught MemoryError in the middle, then the program goes on.
import gc
keep = [bytearray(100) for _ in range(20)]
try:
    huge = bytearray(10 ** 9)
except MemoryError:
    print('no room for a gigabyte')
more = ['x%d' % i for i in range(100)]
print(len(keep), len(more), more[-1])
