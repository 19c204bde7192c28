/**
 * NumPy's legacy `np.random.RandomState(seed)`: the MT19937 generator with its integer seeding, and the
 * masked rejection sampling `RandomState.randint` (hence `choice(a, n, replace=True)`) draws indices
 * with. nnU-Net samples foreground intensities with RandomState(1234); reproducing the stream lets the
 * fingerprint pick the very same voxels.
 */

const N = 624;
const M = 397;
// int32 constants and an Int32Array state keep V8 on integer arithmetic (uint32 values above 2^31
// would become doubles)
const UPPER = 0x80000000 | 0;
const LOWER = 0x7fffffff;
const MATRIX_A = 0x9908b0df | 0;
const TEMPER_B = 0x9d2c5680 | 0;
const TEMPER_C = 0xefc60000 | 0;

export class RandomState {
  private readonly mt = new Int32Array(N);
  private pos = N;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw new RangeError('seed must be an integer in [0, 2**32 - 1]');
    let s = seed >>> 0;
    for (let i = 0; i < N; i++) {
      this.mt[i] = s | 0;
      // 1812433253 * (s ^ (s >>> 30)) + i + 1, modulo 2**32
      s = (Math.imul(1812433253, (s ^ (s >>> 30)) >>> 0) + i + 1) >>> 0;
    }
    this.pos = N;
  }

  /** A copy of the generator at its current position (to replay a stream later). */
  snapshot(): RandomStateSnapshot {
    return { key: new Uint32Array(this.mt), pos: this.pos };
  }

  static fromSnapshot(s: RandomStateSnapshot): RandomState {
    const r = new RandomState(0);
    r.mt.set(new Int32Array(s.key.buffer, s.key.byteOffset, N));
    r.pos = s.pos;
    return r;
  }

  /** The next raw 32-bit output (genrand_int32), as an unsigned number. */
  nextUint32(): number {
    if (this.pos >= N) {
      twist(this.mt);
      this.pos = 0;
    }
    let y = this.mt[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & TEMPER_B;
    y ^= (y << 15) & TEMPER_C;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * `randint(0, high, size=n)` for 1 <= high <= 2**32, written into `out`: NumPy's legacy masked
   * rejection (draw 32 bits, AND with the smallest all-ones mask covering high-1, retry while too big).
   * high == 1 consumes no draws at all.
   */
  randintInto(high: number, out: Uint32Array | Int32Array | Float64Array, n = out.length): void {
    const rng = high - 1;
    if (rng === 0) {
      out.fill(0, 0, n);
      return;
    }
    if (rng > 0xffffffff) throw new RangeError('randint range above 2**32 is not supported');
    const mask = coveringMask(rng);
    // the generator inlined: this loop runs 10^8 times per channel for a fingerprint
    const mt = this.mt;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      let v: number;
      do {
        if (pos >= N) {
          twist(mt);
          pos = 0;
        }
        let y = mt[pos++];
        y ^= y >>> 11;
        y ^= (y << 7) & TEMPER_B;
        y ^= (y << 15) & TEMPER_C;
        y ^= y >>> 18;
        v = (y & mask) >>> 0;
      } while (v > rng);
      out[i] = v;
    }
    this.pos = pos;
  }
}

/** Regenerate the 624 words of state (genrand's "next state"). */
function twist(mt: Int32Array): void {
  let i = 0;
  for (; i < N - M; i++) {
    const y = (mt[i] & UPPER) | (mt[i + 1] & LOWER);
    mt[i] = mt[i + M] ^ (y >>> 1) ^ (MATRIX_A & -(y & 1));
  }
  for (; i < N - 1; i++) {
    const y = (mt[i] & UPPER) | (mt[i + 1] & LOWER);
    mt[i] = mt[i + M - N] ^ (y >>> 1) ^ (MATRIX_A & -(y & 1));
  }
  const y = (mt[N - 1] & UPPER) | (mt[0] & LOWER);
  mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (MATRIX_A & -(y & 1));
}

export interface RandomStateSnapshot {
  key: Uint32Array;
  pos: number;
}

/** The smallest all-ones bit mask covering `max` (< 2^32): NumPy's masked rejection sampling uses it. */
export function coveringMask(max: number): number {
  let mask = max;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  return mask >>> 0;
}
