# Many instances with growing attribute dicts, getattr/setattr by name.
class Thing:
    pass
things = []
for i in range(80):
    t = Thing()
    for j in range(i % 6):
        setattr(t, 'a%d' % j, [i, j])
    things.append(t)
print(sum(len(t.__dict__) for t in things), getattr(things[77], 'a4'), hasattr(things[6], 'a0'))
delattr(things[77], 'a0')
print(sorted(things[77].__dict__))
