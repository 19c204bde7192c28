import { HALF_VALUES } from '../../pycompat/float16';
import { halfQuotient, halfReciprocals } from '../../pycompat/half-division';
import { finalizeSlice, type SliceCrop } from '../finalize-slice';
import type { SliceSums } from '../tile-accumulator';
import { labelArray } from './export-geometry';
import { logitsToLabelsSlab } from './labels-slab';

// A local alias: indexing an imported binding in a hot loop costs V8 a hole check per access.
const HALF = HALF_VALUES as Float32Array;

/**
 * The labels (Y × X) of one finished slice when the logits need no resampling (the network's grid is the
 * cropped scan's, or TotalSegmentator's fast mode), straight from the slice's sums: nnU-Net's argmax (first
 * maximum wins) over `(sums / weights).half()`, without making the K × Y × X logits.
 *
 * One fold of float16 sums: every class is divided by the same positive weight, and the division with its
 * roundings never reorders values (`halfQuotient`), so a class can overtake the leader only where its sum
 * exceeds every earlier class's sum; the division runs there alone, a few times per voxel instead of K.
 * Otherwise (folds, float32 sums, a weight that is not positive and finite) the slice is finalized whole.
 */
export function sliceLabels(
  s: SliceSums,
  crop: SliceCrop,
  foregroundLabels: number,
): Uint8Array | Uint16Array {
  const { K, padded, padBelow, Y, X } = crop;
  const n = Y * X;
  if (s.half && s.logits.length === 1) {
    const inv = new Float64Array(n);
    for (let y = 0; y < Y; y++)
      halfReciprocals(s.weight, (y + padBelow[1]) * padded[2] + padBelow[2], X, inv, y * X);
    let positive = true;
    for (let i = 0; i < n; i++) if (!(inv[i] > 0 && inv[i] < Number.POSITIVE_INFINITY)) positive = false;
    if (positive) return fusedArgmax(s.logits[0], inv, crop, labelArray(foregroundLabels, n));
  }
  const logits = finalizeSlice(s, crop);
  const channels = Array.from({ length: K }, (_, k) => logits.subarray(k * n, (k + 1) * n));
  return logitsToLabelsSlab(channels, null, { lo: 0, hi: 1, j0: 0, j1: 1 }, null, {
    foregroundLabels,
    halfValued: true,
  });
}

function fusedArgmax(
  sums: Uint16Array,
  inv: Float64Array,
  crop: SliceCrop,
  out: Uint8Array | Uint16Array,
): Uint8Array | Uint16Array {
  const { K, padded, padBelow, Y, X } = crop;
  const n = Y * X;
  const plane = padded[1] * padded[2];
  // per voxel: the order key of the largest sum so far and the leader's quotient (that sum's quotient)
  const top = new Uint16Array(n);
  const best = new Float32Array(n);
  for (let y = 0; y < Y; y++) {
    const row = (y + padBelow[1]) * padded[2] + padBelow[2];
    for (let x = 0; x < X; x++) {
      const i = y * X + x;
      const h = sums[row + x];
      top[i] = orderKey(h);
      best[i] = halfQuotient(HALF[h], inv[i]);
    }
  }
  for (let k = 1; k < K; k++)
    for (let y = 0; y < Y; y++) {
      const row = k * plane + (y + padBelow[1]) * padded[2] + padBelow[2];
      const i0 = y * X;
      for (let x = 0; x < X; x++) {
        const h = sums[row + x];
        const key = h ^ (((h >> 15) * 0x7fff) | 0x8000);
        const i = i0 + x;
        // a sum no larger than the largest so far cannot give a larger quotient: only a larger one can move it
        if (key <= top[i]) continue;
        const q = halfQuotient(HALF[h], inv[i]);
        if (Number.isNaN(q)) continue; // NaN never leads (positive NaNs order above +∞)
        top[i] = key;
        if (q > best[i]) {
          best[i] = q;
          out[i] = k;
        }
      }
    }
  return out;
}

/**
 * Half bits as an unsigned key in the values' order (negatives flipped below the positives; −0 just under
 * +0): a larger key never means a smaller value, so "key ≤ the top key" proves "value ≤ the top value".
 */
function orderKey(h: number): number {
  return h ^ (((h >> 15) * 0x7fff) | 0x8000);
}
