/**
 * `mpheap`, the helper module scripts import to take labelled snapshots:
 *
 *   import mpheap
 *   mpheap.snap("after parse")
 *
 * It prints the marker line the decoder recognises (src/decode/markers.ts), then the heap map
 * with `micropython.mem_info(1)`. The same source goes to every engine, including a micro:bit on
 * MicroPython 1.9.2, so it uses nothing newer than 1.9 has (no f-strings, no json) and keeps its
 * own RAM to two small functions: the heap it measures is the user's.
 */
export const HELPER_MODULE_NAME = 'mpheap';

export const HELPER_MODULE_SOURCE = `# mpheap helper: labelled heap snapshots for the mpheap tool.
# mpheap.snap("label") prints a marker line, then micropython.mem_info(1);
# mpheap reads both from the output and records the snapshot under that label.
import micropython


def snap(label=""):
    print("#mpheap snap " + str(label).replace("\\n", " "))
    micropython.mem_info(1)


def info(label=""):
    # The figures only (no map): cheaper on a slow serial link.
    print("#mpheap snap " + str(label).replace("\\n", " "))
    micropython.mem_info()
`;
