# Exceptions raised and caught inside a loop in a function: tracebacks become garbage.
def parse(s):
    try:
        return int(s)
    except ValueError:
        return -len(s)

def main():
    vals = []
    for i in range(300):
        vals.append(parse(str(i) if i % 3 else 'bad%d' % i))
        try:
            {}[i]
        except KeyError:
            pass
    return vals

v = main()
print(sum(v), v[:7])
