import type { CaseFingerprint } from './fingerprint-case';

/** Foreground intensities of one channel, binned: what the Plan Explorer draws beside the percentiles. */
export interface IntensityHistogram {
  channel: string;
  min: number;
  max: number;
  binWidth: number;
  counts: number[];
  /** samples behind it (each case weighted equally, as nnU-Net samples them) */
  total: number;
}

/**
 * Pool every case's sampled foreground values (nnU-Net draws the same number per case, so cases weigh
 * equally) into `bins` equal bins between the overall min and max.
 */
export function intensityHistograms(cases: CaseFingerprint[], bins = 64): IntensityHistogram[] {
  const channels = cases[0]?.channels.length ?? 0;
  const out: IntensityHistogram[] = [];
  for (let c = 0; c < channels; c++) {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const k of cases) {
      const v = k.channels[c].values;
      for (let i = 0; i < v.length; i++) {
        if (v[i] < min) min = v[i];
        if (v[i] > max) max = v[i];
      }
    }
    const counts = new Array(bins).fill(0);
    if (!(max >= min)) {
      out.push({ channel: String(c), min: 0, max: 0, binWidth: 0, counts, total: 0 });
      continue;
    }
    const width = max > min ? (max - min) / bins : 1;
    let total = 0;
    for (const k of cases) {
      const { values, counts: n } = k.channels[c];
      for (let i = 0; i < values.length; i++) {
        const b = Math.min(bins - 1, Math.floor((values[i] - min) / width));
        counts[b] += n[i];
        total += n[i];
      }
    }
    out.push({ channel: String(c), min, max, binWidth: width, counts, total });
  }
  return out;
}
