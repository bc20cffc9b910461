# Globals, nonlocal and module-level state changed from functions.
total = 0
log = []

def add(n):
    global total
    total += n
    log.append('add %d' % n)

def make():
    x = []
    def push(v):
        nonlocal x
        x = x + [v]
        return len(x)
    return push, lambda: x

push, get = make()
for i in range(70):
    add(i)
    push(str(i))
print(total, len(log), log[-1], len(get()), get()[-1])
