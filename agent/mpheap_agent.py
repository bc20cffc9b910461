# mpheap_agent: heap-health records from a running MicroPython board (1.9.2 and later).
#
#   import mpheap_agent
#   mpheap_agent.start('pump-7', every=60)              # records on the console
#   mpheap_agent.start('pump-7', mqtt='192.168.1.10')   # or to MQTT: mpheap/pump-7/heap
#   while True:
#       work()
#       mpheap_agent.tick()                               # samples when `every` s have passed
#
# The record format is docs/fleet-record.md in the mpheap repository. start() loads the rest in
# small modules, one at a time, so that a 10 KB heap can compile them: mpheap_agent_boot and
# mpheap_agent_find (needed once, then emptied), mpheap_agent_core and mpheap_agent_read
# (sampling) and mpheap_agent_mqtt (only with mqtt=).
import gc

# V: 0 boot, 1 seq, 2 uptime s, 3 ms carry, 4 last ticks, 5 every s, 6 collect, 7 table offset,
# 8 table bytes, 9 largest free, 10 1-blocks, 11 2-blocks, 12 free, 13 used, 14 split,
# 15 s since the last sample, 16 line length, 17 firmware's largest free, 18 send failures,
# 19 collections since the last sample (no port counts them for Python: always unknown)
V = [0] * 20
# O: 0 device id, 1 reset cause, 2 memory reader, 3 line buffer, 4 sender, 5 firmware's largest
O = [None] * 6




def start(device, every=60, collect=True, mqtt=None, port=1883, send=None, boot=None, reset=None, heap=None):
    # Starts sampling and sends the first record; returns its sequence number (0).
    global sample, tick
    import mpheap_agent_boot as t
    O[1] = bytes(reset or t.cause(), 'ascii')
    V[0] = boot or t.boots()
    # Needed only once: their functions go before the next module is compiled.
    del t.cause, t.boots
    gc.collect()
    import mpheap_agent_find as t
    t.locate(V, O, heap or gc.mem_free() + gc.mem_alloc())
    del t.locate, t._reader, t._ok, t._marker
    t = None
    gc.collect()
    # Compiled here, not from inside the import of mpheap_agent_core: each level of nesting
    # costs C stack, of which the micro:bit has 1.8 KB.
    import mpheap_agent_read
    import mpheap_agent_core as c
    O[0] = bytes(device, 'ascii')
    V[5] = every
    V[6] = 1 if collect else 0
    V[19] = -1
    O[5] = getattr(gc, 'mem_maxfree', None)
    O[3] = bytearray(len(O[0]) + len(O[1]) + 120)
    if mqtt:
        import mpheap_agent_mqtt
        send = mpheap_agent_mqtt.sender(O[0], mqtt, port)
    O[4] = send or c._print
    sample = c.sample
    tick = c.tick
    c.begin()
    return c.sample()
