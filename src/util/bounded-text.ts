/**
 * Program output kept within a bound: the first `head` characters and the last `tail`, with what
 * lies between counted, not kept. A script that prints 10 MB, or a 100 MB serial log, would
 * otherwise end up whole in the HTML report and the recording (and in memory while they are
 * made). What matters around each snapshot is kept apart from this, in the snapshot's own
 * `outputBefore`. Browser-safe.
 *
 * The result depends only on the text added, never on how it was cut into pieces.
 */
import { formatHumanSize } from './size.js';

export class BoundedText {
  private head = '';
  /** The tail's pieces from `first` on (a moving start: shifting an array is O(n) a piece). */
  private tailParts: string[] = [];
  private first = 0;
  private tailLength = 0;
  private total = 0;

  constructor(
    readonly headLimit: number,
    readonly tailLimit: number,
  ) {}

  add(text: string): void {
    this.total += text.length;
    if (this.head.length < this.headLimit) {
      const take = text.slice(0, this.headLimit - this.head.length);
      this.head += take;
      text = text.slice(take.length);
    }
    if (text === '') return;
    this.tailParts.push(text);
    this.tailLength += text.length;
    // Keep whole pieces while the ones after them still hold `tailLimit` characters.
    while (
      this.tailParts.length - this.first > 1 &&
      this.tailLength - this.tailParts[this.first].length >= this.tailLimit
    ) {
      this.tailLength -= this.tailParts[this.first].length;
      this.first++;
    }
    if (this.first > 1024 && this.first * 2 > this.tailParts.length) {
      this.tailParts = this.tailParts.slice(this.first);
      this.first = 0;
    }
    // One huge piece: keep only its last `tailLimit` characters.
    if (this.tailLength > 2 * this.tailLimit + 4096) {
      const joined = this.tailParts.slice(this.first).join('').slice(-this.tailLimit);
      this.tailParts = [joined];
      this.first = 0;
      this.tailLength = joined.length;
    }
  }

  /** Characters added in all. */
  get length(): number {
    return this.total;
  }

  /** Characters left out between the head and the tail. */
  get dropped(): number {
    return Math.max(0, this.total - this.headLimit - this.tailLimit);
  }

  /** The head, the tail, and where something was left out, a note saying how much. */
  text(): string {
    const tail = this.tailParts.slice(this.first).join('');
    const dropped = this.dropped;
    if (dropped === 0) return this.head + tail;
    return this.head + leftOutNote(dropped) + tail.slice(-this.tailLimit);
  }
}

/** The line that stands where output was left out. */
export function leftOutNote(chars: number): string {
  return (
    `\n[mpheap: ${formatHumanSize(chars)} of program output left out here; ` +
    'the output just before each snapshot is kept with the snapshot]\n'
  );
}

/**
 * How much of a program's output a result keeps (an engine's exec, a board's raw REPL, a run):
 * its first and last MiB. Whoever needs all of it takes it as it comes (`onOutput`): a script
 * that prints for the whole of a long --timeout would otherwise be held whole, several times.
 */
export function resultOutput(): BoundedText {
  return new BoundedText(1024 * 1024, 1024 * 1024);
}

/** How much program output an HTML report keeps: its first and last 128 KiB. */
export function reportOutput(): BoundedText {
  return new BoundedText(128 * 1024, 128 * 1024);
}
