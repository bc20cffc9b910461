/**
 * `mpheap`, the helper module scripts import to take labelled snapshots:
 *
 *   import mpheap
 *   mpheap.snap("after parse")
 *
 * It prints the marker line the decoder recognises (src/decode/markers.ts), then the heap map
 * with `micropython.mem_info(1)`. The same source goes to every engine, including a micro:bit on
 * MicroPython 1.9.2, so it uses nothing newer than 1.9 has (no f-strings, no json) and keeps its
 * own RAM to one small function: the heap it measures is the user's. On the micro:bit every
 * function and name here stays in its 10 KB heap for the whole run (1,296 bytes live after a
 * collection against 304 without it, measured on 1.9.2), and the source goes as a string, so it
 * carries no comments and no second function.
 */
export const HELPER_MODULE_NAME = 'mpheap';

export const HELPER_MODULE_SOURCE = `import micropython


def snap(label=""):
    print("#mpheap snap " + str(label).replace("\\n", " "))
    micropython.mem_info(1)
`;
