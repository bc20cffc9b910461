# Lists grown by append, insert, extend, pop and remove: reallocated many times.
l = []
for i in range(500):
    l.append(i)
    if i % 10 == 0:
        l.insert(0, -i)
    if i % 7 == 0:
        l.pop()
l.extend(range(100))
for x in range(0, 50, 5):
    l.remove(x)
print(len(l), l[:5], l[-5:], sum(l) % 100003)
ll = [[j for j in range(i % 9)] for i in range(200)]
print(sum(map(len, ll)), ll[-1])
