# A sensor logger that builds its log lines as strings.
#
# Every reading becomes a formatted line, and the lines are joined into a batch before they
# would be written out. Each `+` and `%` makes a new string object: watch the garbage grow
# between snapshots and the heap come back after each batch is sent.
#
#   mpheap run examples/sensor_logger.py
#   mpheap run examples/sensor_logger.py --fixed --heap 32K
import gc
import mpheap

readings = []


def read_sensor(i):
    # Stand-in for an ADC or I2C read: a deterministic, plausible temperature.
    return 20.0 + (i * 37 % 50) / 10.0


def log_line(i, value):
    return "t=" + str(i) + " temp=" + ("%.1f" % value) + "C\n"


mpheap.snap("start")

batch = ""
for i in range(40):
    batch = batch + log_line(i, read_sensor(i))
mpheap.snap("batch built by concatenation")

print("batch of", len(batch), "bytes")
batch = None
gc.collect()
mpheap.snap("batch sent")

# The same batch built from a list of parts: one join instead of 40 ever-longer copies.
parts = [log_line(i, read_sensor(i)) for i in range(40)]
batch = "".join(parts)
parts = None
mpheap.snap("batch built by join")
print("batch of", len(batch), "bytes")
