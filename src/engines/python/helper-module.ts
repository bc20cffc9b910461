/**
 * `mpheap`, the helper module scripts import to take labelled snapshots:
 *
 *   import mpheap
 *   mpheap.snap("after parse")
 *
 * It prints the marker line the decoder recognises (src/decode/markers.ts), then the heap map
 * with `micropython.mem_info(1)`. The same source goes to every engine, including a micro:bit on
 * MicroPython 1.9.2, so it uses nothing newer than 1.9 has (no f-strings, no json), and it is
 * self-contained (no module-level import: `__import__` inside the function), so a board can hold
 * it as the body of a class (src/device/serial-engine.ts). Its RAM is the one function: on the
 * micro:bit's 10 KB heap the whole helper is about 300 bytes, measured and reported on each run.
 */
export const HELPER_MODULE_NAME = 'mpheap';

export const HELPER_MODULE_SOURCE = `def snap(label=""):
    print("#mpheap snap " + str(label).replace("\\n", " "))
    __import__("micropython").mem_info(1)
`;
