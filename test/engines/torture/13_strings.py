# Strings built by concatenation, joins, replace and encode/decode.
s = ''
for i in range(200):
    s += chr(65 + i % 26)
    if len(s) > 60:
        s = s[30:]
print(s)
parts = [str(i) * (i % 5) for i in range(100)]
joined = '+'.join(parts)
print(len(joined), joined.count('+'), joined.replace('+', '')[:30])
enc = ('héllo wörld ' * 10).encode('utf-8')
print(len(enc), enc.decode()[:12], 'x'.join(reversed('abc')))
print(' '.join(w[0].upper() + w[1:] for w in 'the quick brown fox'.split()), 'a-b-c'.partition('-'))
