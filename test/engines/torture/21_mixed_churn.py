# A long-running loop inside main(): a small dict per pass, serialised, most of it garbage.
import json

def main():
    total = 0
    history = []
    for i in range(1500):
        reading = {'t': i, 'v': i * 1.5, 'name': 'sensor%d' % (i % 7)}
        line = json.dumps(reading)
        total += len(line)
        if i % 100 == 0:
            history.append(line)
    return total, history

t, h = main()
print(t, len(h), h[-1])
