import math
# Floats are heap objects on this build: arithmetic makes many of them.
acc = 0.0
xs = []
for i in range(1, 300):
    acc += math.sin(i) * math.sqrt(i) / (1 + i * 0.5)
    xs.append(acc)
print('%.6f' % acc, '%.4f' % max(xs), '%.4f' % min(xs))
print(round(math.pi * 1e6) / 1e6, math.floor(-2.5), math.ceil(2.1), '%.5f' % math.exp(1.5), '%.3f' % math.log(1000, 10))
mean = sum(xs) / len(xs)
var = sum((x - mean) ** 2 for x in xs) / len(xs)
print('%.6f %.6f' % (mean, var))
print(float('1e5'), int(3.99), divmod(17.5, 4), 7.0 // 2, abs(-0.25))
