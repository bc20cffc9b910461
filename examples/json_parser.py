# A JSON message parser, as on a board receiving commands over MQTT or a UART.
#
# Each message is parsed into dicts and lists; only a few fields are kept. Parsing allocates
# far more than it keeps: the snapshots show the dicts of the current message and the garbage
# of the earlier ones, until a collection takes it.
#
#   mpheap run examples/json_parser.py
#
# On a 16 KB heap (--fixed --heap 16K) it fails: the kept tuples end up scattered among the
# holes the garbage left, and the `handled` list, which must grow into one contiguous block,
# finds no hole big enough although half the heap is free.
import json
import mpheap

MESSAGES = [
    '{"id": 1, "cmd": "set", "target": "led", "value": [255, 128, 0]}',
    '{"id": 2, "cmd": "get", "target": "temperature", "unit": "C"}',
    '{"id": 3, "cmd": "config", "wifi": {"ssid": "workshop", "retries": 5}, "tags": ["a", "b", "c"]}',
    '{"id": 4, "cmd": "set", "target": "servo", "value": 90, "ramp_ms": 250}',
]

handled = []


def handle(text):
    msg = json.loads(text)
    # Keep the command and target only: the rest of the parsed message becomes garbage.
    handled.append((msg["id"], msg["cmd"], msg.get("target")))


mpheap.snap("before parsing")
for text in MESSAGES:
    handle(text)
mpheap.snap("four messages parsed")

for _ in range(25):
    for text in MESSAGES:
        handle(text)
mpheap.snap("a hundred more parsed")

print("handled", len(handled), "messages; last:", handled[-1])
handled = handled[-10:]
mpheap.snap("history trimmed to 10")
