/** The ids of a trace, numbered in order of first appearance (0 is the NULL id `0`). */
import { NULL_ID } from './format.js';

export class IdTable {
  /** Id names, indexed by number. */
  readonly names: string[] = ['0'];
  private readonly numbers = new Map<string, number>([['0', NULL_ID]]);

  /** The number of the id `name`, adding it if new. */
  idOf(name: string): number {
    let n = this.numbers.get(name);
    if (n === undefined) {
      n = this.names.length;
      this.names.push(name);
      this.numbers.set(name, n);
    }
    return n;
  }
}
