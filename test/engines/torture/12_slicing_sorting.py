# Slices copy; sorts with key functions allocate the keys.
data = [(i * 7919) % 503 for i in range(400)]
print(data[::50], data[-5:], data[10:20:3])
words = ['w%d' % x for x in data]
words.sort(key=lambda w: (len(w), ''.join(reversed(w))))
print(words[:5], words[-3:])
pairs = sorted(zip(data, words), key=lambda p: -p[0])
print(pairs[:3])
m = [[r * c for c in range(12)] for r in range(12)]
t = [list(col) for col in zip(*m)]
print(t[5][::2], [row[3:6] for row in m[9:11]])
s = 'abcdefghij' * 20
print(s[-30:-20], bytes(range(40))[5:15], bytearray(b'xyz' * 10)[3:9], list(s)[::-7])
