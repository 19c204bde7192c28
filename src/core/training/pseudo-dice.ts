/**
 * nnU-Net's online ("pseudo") Dice: argmax of the full-resolution logits against the target, true/false
 * positives and false negatives per foreground class summed over the batch and over an epoch's
 * validation batches; Dice = 2TP / (2TP + FP + FN) per class, NaN for a class never present nor predicted
 * (nanmean over classes then skips it), and the exponential moving average 0.9·old + 0.1·new.
 */
export interface DiceCounts {
  tp: Float64Array;
  fp: Float64Array;
  fn: Float64Array;
}

export function emptyCounts(classes: number): DiceCounts {
  return {
    tp: new Float64Array(classes - 1),
    fp: new Float64Array(classes - 1),
    fn: new Float64Array(classes - 1),
  };
}

/** logits [b, K, vol] (C order), labels [b, vol] (−1 counts as background). Adds into counts. */
export function accumulateCounts(
  logits: Float32Array,
  labels: ArrayLike<number>,
  batch: number,
  K: number,
  counts: DiceCounts,
): void {
  const vol = labels.length / batch;
  for (let b = 0; b < batch; b++)
    for (let v = 0; v < vol; v++) {
      let best = 0;
      let bestVal = logits[b * K * vol + v];
      for (let k = 1; k < K; k++) {
        const z = logits[(b * K + k) * vol + v];
        if (z > bestVal) {
          bestVal = z;
          best = k;
        }
      }
      const t = Math.max(0, labels[b * vol + v]);
      if (best === t) {
        if (t > 0) counts.tp[t - 1]++;
      } else {
        if (best > 0) counts.fp[best - 1]++;
        if (t > 0) counts.fn[t - 1]++;
      }
    }
}

export function dicePerClass(c: DiceCounts): number[] {
  return Array.from(c.tp, (tp, i) => {
    const den = 2 * tp + c.fp[i] + c.fn[i];
    return den === 0 ? Number.NaN : (2 * tp) / den;
  });
}

export function nanMean(xs: readonly number[]): number {
  const v = xs.filter((x) => !Number.isNaN(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN;
}
