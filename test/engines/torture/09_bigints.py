# Big integers live on the heap and grow as they are computed.
f = 1
for i in range(1, 120):
    f *= i
print(len(str(f)), f % 1000003, str(f)[:20])
a = 2 ** 256 - 1
b = 3 ** 160
print(a * b % (10 ** 30), (a << 100) >> 99, a & b, a | b == b | a, -a // 7, pow(3, 200, 10 ** 9 + 7))
fibs = [0, 1]
for i in range(300):
    fibs.append(fibs[-1] + fibs[-2])
print(fibs[-1] % 10 ** 12, len(str(fibs[-1])), hex(fibs[200])[:20])
