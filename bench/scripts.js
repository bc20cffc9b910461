// The MicroPython scripts the engine benchmarks run: real programs' shapes (a sensor loop in
// main(), closures, classes, formatting, dict growth, big ints, a JSON parser).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const torture = (name) => readFileSync(join(here, '../test/engines/torture', name), 'utf8');

export const SCRIPTS = [
  ['sensor loop in main() (json, 3,000 passes)', torture('21_mixed_churn.py').replace('1500', '3000')],
  ['closures', torture('02_closures.py')],
  ['classes', torture('05_classes.py')],
  ['string formatting', torture('06_formatting.py')],
  ['dict resizing', torture('11_dict_resize.py')],
  ['big ints', torture('09_bigints.py')],
  ['examples/json_parser.py', readFileSync(join(here, '../examples/json_parser.py'), 'utf8')],
];
