import re
# Regular expressions: compile, match groups, sub with a function, split.
log = '\n'.join('2026-12-%02d sensor%d=%d.%d ok' % (d, d % 4, d * 3, d) for d in range(1, 29))
pat = re.compile(r'(\d+)-(\d+)-(\d+) (\w+)=(\d+)\.(\d+)')
found = []
for line in log.split('\n'):
    m = pat.match(line)
    if m:
        found.append((m.group(4), int(m.group(5))))
print(len(found), found[-2:])
print(re.sub(r'\d+', lambda m: '<' + ''.join(reversed(m.group(0))) + '>', 'a12b345c6789'))
print(re.compile(r'[,;]+').split('a,b;;c,,,d;e'), re.search(r'(o+)', 'foooo bar').group(1))
