/**
 * The dataset fingerprint from its cases, as DatasetFingerprintExtractor.run assembles it: spacings and
 * shapes per case, the median relative size after cropping, and per channel mean / median / std / min /
 * max / 0.5th and 99.5th percentiles of the concatenated foreground samples of all cases.
 *
 * The statistics are NumPy's, to the bit: percentiles by linear interpolation over the exact sample
 * multiset, mean and std with NumPy's float32 summation order over the samples in case order. (If any
 * case has no foreground, NumPy's concatenation turns float64, and so does everything here.)
 */
import { TesseraError } from '../errors';
import type { DatasetFingerprint, IntensityProperties } from '../nnunet/plans-types';
import { RandomState } from '../pycompat/mt19937';
import {
  meanFromSum,
  median,
  NumpySum,
  type Precision,
  percentileFromRanks,
  squaredDeviation,
  stdFromSquares,
} from '../pycompat/numpy-compat';
import type { CaseFingerprint, ChannelSamples, Codes } from './fingerprint-case';

export interface AggregateOptions {
  /** number of channels declared in dataset.json (nnU-Net takes the count from there) */
  numChannels: number;
  /**
   * Bytes that may hold replayed sample streams between the mean and the variance pass, so the second
   * pass need not redraw them (default 0: redraw; the CLI allows 512 MiB). Results are identical.
   */
  streamCacheBytes?: number;
}

export function aggregateFingerprint(
  cases: readonly CaseFingerprint[],
  options: AggregateOptions,
): DatasetFingerprint {
  if (cases.length === 0)
    throw new TesseraError('bad-dataset', 'dataset.json', 'there are no training cases');
  const props: Record<string, IntensityProperties> = {};
  for (let c = 0; c < options.numChannels; c++)
    props[String(c)] = channelStatistics(cases, c, options.streamCacheBytes ?? 0);
  return {
    spacings: cases.map((k) => [...k.spacing]),
    shapes_after_crop: cases.map((k) => [...k.shapeAfterCrop]),
    foreground_intensity_properties_per_channel: props,
    median_relative_size_after_cropping: median(cases.map((k) => k.relativeSizeAfterCropping)),
  };
}

/** Float32 bit patterns mapped to unsigned ints that sort like the values. */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function sortKey(v: number): number {
  f32[0] = v + 0; // -0 sorts with +0
  const b = u32[0];
  return b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
}
function fromSortKey(k: number): number {
  u32[0] = k & 0x80000000 ? k & 0x7fffffff : ~k >>> 0;
  return f32[0];
}

/** The pooled sample multiset of one channel: k-th smallest sample without materialising them. */
class PooledSamples {
  private readonly parts: { values: Float32Array; cum: Float64Array }[] = [];
  readonly n: number;
  readonly min: number;
  readonly max: number;

  constructor(channels: readonly ChannelSamples[]) {
    let n = 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const ch of channels) {
      const cum = new Float64Array(ch.values.length + 1);
      for (let i = 0; i < ch.counts.length; i++) {
        cum[i + 1] = cum[i] + ch.counts[i];
        if (ch.counts[i] > 0) {
          if (ch.values[i] < lo) lo = ch.values[i];
          if (ch.values[i] > hi) hi = ch.values[i];
        }
      }
      n += cum[cum.length - 1];
      this.parts.push({ values: ch.values, cum });
    }
    this.n = n;
    this.min = lo;
    this.max = hi;
  }

  /** how many samples are <= v */
  private countAtMost(v: number): number {
    let total = 0;
    for (const { values, cum } of this.parts) {
      let a = 0;
      let b = values.length;
      while (a < b) {
        const m = (a + b) >> 1;
        if (values[m] <= v) a = m + 1;
        else b = m;
      }
      total += cum[a];
    }
    return total;
  }

  /** the k-th smallest sample (0-based): a binary search over float32 values in sort order */
  kth(k: number): number {
    let lo = sortKey(this.min);
    let hi = sortKey(this.max);
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.countAtMost(fromSortKey(mid)) > k) hi = mid;
      else lo = mid + 1;
    }
    return fromSortKey(lo);
  }
}

/**
 * Every sample of one case's channel, in NumPy's order, as value codes (indices into `ch.values`),
 * handed to `sink` in chunks.
 */
export function forEachCodeChunk(
  ch: ChannelSamples,
  numSamples: number,
  sink: (codes: ArrayLike<number>, n: number) => void,
): void {
  const { values, order } = ch;
  if (values.length === 0) return;
  const CHUNK = 1 << 16;
  if (order.kind === 'draws') {
    for (let done = 0; done < order.codes.length; done += CHUNK) {
      const n = Math.min(CHUNK, order.codes.length - done);
      sink(order.codes.subarray(done, done + n), n);
    }
    return;
  }
  const rng = RandomState.fromSnapshot(order.rng);
  const idx = new Uint32Array(CHUNK);
  const fgCodes = order.codes;
  const f = fgCodes.length;
  for (let done = 0; done < numSamples; done += CHUNK) {
    const n = Math.min(CHUNK, numSamples - done);
    rng.randintInto(f, idx, n);
    for (let j = 0; j < n; j++) idx[j] = fgCodes[idx[j]];
    sink(idx, n);
  }
}

function channelStatistics(
  cases: readonly CaseFingerprint[],
  c: number,
  cacheBytes: number,
): IntensityProperties {
  const channels = cases.map((k) => k.channels[c]).filter((ch): ch is ChannelSamples => ch !== undefined);
  if (channels.length !== cases.length)
    throw new TesseraError('bad-dataset', 'dataset.json', `some cases have no channel ${c}`);
  const pooled = new PooledSamples(channels);
  if (pooled.n === 0)
    throw new TesseraError(
      'bad-dataset',
      'labelsTr/',
      'no training case has any foreground (label > 0); nnU-Net cannot compute intensity statistics',
    );
  // np.concatenate of float32 samples with an empty list (a case without foreground) is float64
  const precision: Precision = channels.every((ch) => ch.values.length > 0) ? 'float32' : 'float64';
  const pct = (p: number) => percentileFromRanks((k) => pooled.kth(k), pooled.n, p, precision);

  // Two passes over the samples in case order, as np.mean and np.var do; (x - mean)² is a function of
  // the value, so both passes stream value codes through a per-case table.
  const sum = new NumpySum(precision);
  const cached: (Codes | null)[] = cases.map(() => null);
  let budget = cacheBytes;
  cases.forEach((k, i) => {
    const ch = channels[i];
    const table = ch.values;
    let keep: Codes | null = null;
    if (ch.order.kind === 'replay' && ch.values.length > 0) {
      const bytes = k.numSamples * ch.order.codes.BYTES_PER_ELEMENT;
      if (bytes <= budget) {
        budget -= bytes;
        keep = new (ch.order.codes.constructor as new (n: number) => Codes)(k.numSamples);
      }
    }
    let at = 0;
    forEachCodeChunk(ch, k.numSamples, (codes, n) => {
      sum.pushMapped(table, codes, n);
      if (keep) {
        keep.set((codes as Uint32Array).subarray(0, n), at);
        at += n;
      }
    });
    cached[i] = keep;
  });
  const mean = meanFromSum(sum.result(), pooled.n, precision);
  const squares = new NumpySum(precision);
  cases.forEach((k, i) => {
    const table = Float64Array.from(channels[i].values, (v) => squaredDeviation(v, mean, precision));
    const keep = cached[i];
    if (keep) squares.pushMapped(table, keep, keep.length);
    else forEachCodeChunk(channels[i], k.numSamples, (codes, n) => squares.pushMapped(table, codes, n));
    cached[i] = null;
  });
  const std = stdFromSquares(squares.result(), pooled.n, precision);

  // key order as nnU-Net's save_json(sort_keys=True) leaves it, which the plans file copies
  return {
    max: pooled.max,
    mean,
    median: pct(50),
    min: pooled.min,
    percentile_00_5: pct(0.5),
    percentile_99_5: pct(99.5),
    std,
  };
}
