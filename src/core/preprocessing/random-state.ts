/**
 * numpy.random.RandomState (legacy MT19937), only what nnU-Net's class-location sampling uses:
 * seeding with an integer and permutation(n), i.e. Fisher–Yates with numpy's masked rejection
 * sampling of bounded integers. Same seed, same draws, same permutation as NumPy.
 */
export class RandomState {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    // init_genrand (numpy's legacy seeding for an integer seed)
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i, modulo 2^32, without losing bits to float rounding
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  /** genrand_int32 */
  nextUint32(): number {
    if (this.index >= 624) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
      let v = mt[(i + 397) % 624] ^ (y >>> 1);
      if (y & 1) v ^= 0x9908b0df;
      mt[i] = v >>> 0;
    }
    this.index = 0;
  }

  /** numpy's random_interval: uniform in [0, max] by masking and rejecting (max < 2^32). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /** permutation(n): arange(n) shuffled in place from the end, as RandomState.shuffle. */
  permutation(n: number): Int32Array {
    if (n > 0xffffffff) throw new Error('permutation: n must be below 2^32');
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** choice(n, k, replace=False) without probabilities: the first k of permutation(n). */
  choiceWithoutReplacement(n: number, k: number): Int32Array {
    return this.permutation(n).subarray(0, k);
  }
}
