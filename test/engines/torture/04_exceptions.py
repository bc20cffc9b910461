# Exceptions carry tracebacks and arguments allocated while the stack unwinds.
class AppError(Exception):
    def __init__(self, code, detail):
        super().__init__(code, detail)
        self.code = code
        self.detail = detail

def deep(n):
    if n == 0:
        raise AppError(n, ['detail'] * 5)
    try:
        return deep(n - 1)
    finally:
        [n] * 3

results = []
for i in range(30):
    try:
        deep(i % 8)
    except AppError as e:
        results.append((e.code, len(e.detail), e.args[0]))
    except Exception as e:
        results.append(repr(e))
print(len(results), results[-1])
try:
    try:
        {}['missing' + str(1)]
    except KeyError as e:
        raise ValueError('wrapped %s' % e)
except ValueError as e:
    print('caught', e)
for bad in ('1/0', 'int("x")', '[][3]', 'None.attr', 'undefined_name'):
    try:
        eval(bad)
    except Exception as e:
        print(type(e).__name__)
