import json
# json builds and parses nested structures.
data = {'readings': [{'t': i, 'v': i * 1.25, 'ok': i % 3 != 0, 'tag': 's%d' % i} for i in range(60)],
        'meta': {'name': 'probe', 'ids': list(range(20)), 'none': None}}
text = json.dumps(data)
back = json.loads(text)
print(len(text), back['readings'][59], back['meta']['ids'][-1], back == data)
for i in range(40):
    text = json.dumps(json.loads(text)['meta'] if i == 0 else json.loads(text))
print(text)
print(json.loads('[1, 2.5, "x", true, false, null, {"a": [[]]}]'))
