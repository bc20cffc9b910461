# Instances, inheritance, properties, special methods, class attributes.
class Vec:
    count = 0
    def __init__(self, *xs):
        self.xs = list(xs)
        Vec.count += 1
    def __add__(self, o):
        return Vec(*[a + b for a, b in zip(self.xs, o.xs)])
    def __mul__(self, k):
        return Vec(*[a * k for a in self.xs])
    def __eq__(self, o):
        return self.xs == o.xs
    def __repr__(self):
        return 'Vec(%s)' % ', '.join(str(x) for x in self.xs)
    @property
    def norm1(self):
        return sum(abs(x) for x in self.xs)

class Named(Vec):
    def __init__(self, name, *xs):
        super().__init__(*xs)
        self.name = name
    def __repr__(self):
        return self.name + ':' + super().__repr__()

acc = Vec(0, 0, 0)
for i in range(60):
    acc = acc + Vec(i, -i, i * 2) * 2
print(acc, acc.norm1, Vec.count)
ns = sorted([Named('n%d' % i, i, 10 - i) for i in range(12)], key=lambda v: v.norm1)
print(ns[:3], ns[0] == Vec(0, 10))
print(isinstance(ns[0], Vec), issubclass(Named, Vec), hasattr(ns[0], 'name'))
