# Coroutines keep their frames alive across await points (driven by a small round-robin loop:
# this build's asyncio has no run()).
def pause():
    yield


async def sensor(n, out):
    acc = []
    for i in range(n):
        acc.append({'i': i, 's': 'v%d' % i})
        await pause()
    out.append((n, len(acc), acc[-1]['s']))


def run_all(coros):
    tasks = list(coros)
    while tasks:
        for t in list(tasks):
            try:
                t.send(None)
            except StopIteration:
                tasks.remove(t)


out = []
run_all(sensor(n, out) for n in (5, 12, 8, 20))
print(sorted(out))
