# bytes and str methods that allocate results.
b = b'The quick brown fox jumps over the lazy dog. ' * 8
print(b.count(b'o'), b.find(b'lazy'), b.upper()[:20], b.split(b' ')[:4], b.replace(b'dog', b'cat')[-20:])
s = b.decode()
print(s.upper()[:30], s.lower()[:10], s.startswith('The'), s.endswith('. '), s.rfind('fox'))
hexed = b.hex()
print(len(hexed), bytes.fromhex(hexed[:20]))
print(','.join('%02x' % c for c in b[:10]), b[:10].decode().lower().split())
