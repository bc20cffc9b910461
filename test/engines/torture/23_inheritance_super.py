# Multiple inheritance, super() chains, __str__/__len__/__getitem__/__contains__.
class Base:
    def describe(self):
        return ['base']
class A(Base):
    def describe(self):
        return ['a'] + super().describe()
class B(Base):
    def describe(self):
        return ['b'] + super().describe()
class C(A, B):
    def describe(self):
        return ['c'] + super().describe()

class Bag:
    def __init__(self, items):
        self.items = list(items)
    def __len__(self):
        return len(self.items)
    def __getitem__(self, i):
        return self.items[i]
    def __contains__(self, x):
        return x in self.items
    def __str__(self):
        return 'Bag<%d>' % len(self)

print(C().describe())
bags = [Bag(range(i)) for i in range(30)]
print(str(bags[-1]), bags[-1][5], 7 in bags[10], sum(len(b) for b in bags), bags[20][-3:])
