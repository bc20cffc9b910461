# String formatting in all three styles allocates intermediate strings.
rows = []
for i in range(80):
    rows.append('%04d|%-6s|%8.3f|%x' % (i, 'r' + str(i), i / 7, i * 255))
    rows.append('{:>5}/{:<5}/{:^7}/{!r}'.format(i, i * 2, 'c', [i]))
    rows.append(f'{i:03} {i * 1.5:.2f} {str(i) * 2} {[i, i]}')
print(len(rows), rows[-3:], sum(len(r) for r in rows))
print('-'.join(['x'] * 10), 'abc'.upper().center(11), ' pad '.strip(), 'a,b,,c'.split(','))
print('Hello {name}, {n} items'.format(name='world', n=3), '%(a)s-%(b)s' % {'a': 1, 'b': 2})
