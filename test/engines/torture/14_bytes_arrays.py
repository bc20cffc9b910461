import array
# bytearray and array grow with extend/append and are sliced.
ba = bytearray()
for i in range(300):
    ba.append(i % 256)
    if i % 50 == 0:
        ba.extend(b'--')
print(len(ba), ba[:10], ba[-4:])
a = array.array('i')
for i in range(200):
    a.append(i * i)
print(len(a), a[150], sum(a) % 10007)
f = array.array('f', [x / 3 for x in range(50)])
print(len(f), round(f[49], 3))
mv = memoryview(ba)
print(bytes(mv[3:8]), len(bytes(ba[7:70])))
