# Every builtin container and scalar, built, nested, compared and printed.
items = [1, -2, 3.5, 'str', b'bytes', bytearray(b'ba'), (1, 2), [3, 4], {5: 6}, {7, 8}, frozenset([9]), None, True, 2 ** 70, 1j]
for x in items:
    print(type(x).__name__, repr(x), bool(x), x == x)
nested = {'a': [1, (2, {3: [4, {5}]})], 'b': {'c': bytearray(b'x' * 20)}}
print(nested['a'][1][1][3], len(nested['b']['c']))
print(sorted(set('mississippi')), list(reversed(range(5))), tuple(enumerate('ab')))
print(list(zip([1, 2, 3], 'abc', (True, False, None))))
print(dict(zip('abcdef', range(6))), list(map(str, range(12))))
