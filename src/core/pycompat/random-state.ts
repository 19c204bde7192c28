import { coveringMask, RandomState } from './mt19937';

/**
 * numpy.random.RandomState's permutation and choice(n, k, replace=False) on top of the planning stage's
 * MT19937: Fisher–Yates from the end with NumPy's masked rejection sampling of bounded integers
 * (random_interval). Same seed, same draws, same permutation as NumPy 1.24.
 */
export { RandomState };

/** numpy's random_interval: uniform in [0, max] by masking and rejecting (max < 2^32). */
export function randomInterval(rs: RandomState, max: number): number {
  if (max === 0) return 0;
  const mask = coveringMask(max);
  let v: number;
  do v = (rs.nextUint32() & mask) >>> 0;
  while (v > max);
  return v;
}

/** RandomState.permutation(n): arange(n) shuffled in place from the end, as RandomState.shuffle. */
export function permutation(rs: RandomState, n: number): Int32Array {
  if (n > 0x7fffffff) throw new Error('permutation: n must be below 2^31');
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randomInterval(rs, i);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** RandomState.choice(n, k, replace=False) without probabilities: the first k of permutation(n). */
export function choiceWithoutReplacement(rs: RandomState, n: number, k: number): Int32Array {
  return permutation(rs, n).subarray(0, k);
}
