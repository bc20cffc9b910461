import gc
# gc.collect() and gc.threshold inside functions change nothing that is reachable.
def work():
    data = [[i] * 5 for i in range(80)]
    gc.collect()
    s = sum(len(x) for x in data)
    del data
    gc.collect()
    return s

print([work() for _ in range(5)])
cache = {i: str(i) * 3 for i in range(50)}
gc.collect()
print(len(cache), cache[49])
