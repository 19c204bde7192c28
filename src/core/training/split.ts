import { permutation, RandomState } from '../pycompat/random-state';

export interface Split {
  train: string[];
  val: string[];
  /** 'all' when every case trains and validates (too few cases for five folds). */
  fold: number | 'all';
}

/** Python's sorted() on str: code-point order. */
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * nnU-Net's default split (generate_crossval_split): KFold(5, shuffle=True, random_state=12345) over the
 * sorted case identifiers, fold `fold` held out. sklearn shuffles with RandomState(12345).permutation
 * and makes the first n % 5 folds one case larger. Fewer than 5 cases: fold 'all' (train = val = all),
 * as `nnUNetv2_train … all` does.
 */
export function nnunetSplit(ids: readonly string[], fold: number | 'all' = 0): Split {
  const keys = [...ids].sort(byCodePoint);
  if (fold === 'all' || keys.length < 5) return { train: keys, val: keys, fold: 'all' };
  if (!Number.isInteger(fold) || fold < 0 || fold > 4)
    throw new Error(`fold must be 0–4 or 'all', got ${fold}`);
  const order = permutation(new RandomState(12345), keys.length);
  const n = keys.length;
  let start = 0;
  for (let f = 0; f < fold; f++) start += Math.floor(n / 5) + (f < n % 5 ? 1 : 0);
  const size = Math.floor(n / 5) + (fold < n % 5 ? 1 : 0);
  const test = new Set(Array.from(order.subarray(start, start + size)));
  const train: string[] = [];
  const val: string[] = [];
  keys.forEach((k, i) => {
    (test.has(i) ? val : train).push(k);
  });
  return { train, val, fold };
}
