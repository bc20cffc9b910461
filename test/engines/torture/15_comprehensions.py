# Nested comprehensions and generator expressions.
grid = [[(x, y) for x in range(15)] for y in range(15)]
print(sum(len(r) for r in grid), grid[7][7])
sq = {x: x * x for x in range(100) if x % 3}
print(len(sq), sq[98])
st = {str(x)[-1] for x in range(500)}
print(sorted(st))
flat = [c for row in grid for (a, b) in row if a == b for c in (a, b)]
print(len(flat), flat[-4:])
print(max((x * 7) % 101 for x in range(1000)), any(x > 998 for x in range(1000)), all(x < 1000 for x in range(999)))
