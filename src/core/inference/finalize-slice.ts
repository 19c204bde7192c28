import { roundHalf, roundHalfInPlace } from '../pycompat/float16';
import { divideHalfRow, halfReciprocals } from '../pycompat/half-division';
import { halfsToFloats, type SliceSums } from './tile-accumulator';

/** Where a padded slice's K × plane sums sit in the image: the slice's logits are its K × Y × X crop. */
export interface SliceCrop {
  K: number;
  /** the padded image's (z, y, x) */
  padded: number[];
  /** the padding below the image on each axis */
  padBelow: number[];
  Y: number;
  X: number;
}

/** The buffers of a slice's sums, to transfer: each array is copied first unless it owns its buffer whole. */
export function transferableSums(s: SliceSums): { sums: SliceSums; buffers: ArrayBuffer[] } {
  const own = <A extends Uint16Array | Float32Array>(a: A): A =>
    a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer
      ? a
      : (a.slice() as A);
  const sums = (
    s.half
      ? { half: true, logits: s.logits.map(own), weight: own(s.weight) }
      : { half: false, logits: s.logits.map(own), weight: own(s.weight) }
  ) as SliceSums;
  return { sums, buffers: [...sums.logits, sums.weight].map((a) => a.buffer as ArrayBuffer) };
}

/** Divide (float16), sum folds (float16), average folds (float16), crop the padding. */
export function finalizeSlice(s: SliceSums, crop: SliceCrop): Float32Array {
  const { K, padded, padBelow, Y, X } = crop;
  const plane = padded[1] * padded[2];
  const out = new Float32Array(K * Y * X);
  const bits = new Uint32Array(out.buffer);
  const nFolds = s.logits.length;
  if (nFolds > 1) {
    const logits = s.half ? s.logits.map(halfsToFloats) : s.logits;
    const w = s.half ? halfsToFloats(s.weight) : s.weight;
    for (let k = 0; k < K; k++)
      for (let y = 0; y < Y; y++)
        for (let x = 0; x < X; x++) {
          const p = (y + padBelow[1]) * padded[2] + x + padBelow[2];
          let sum = 0;
          for (let f = 0; f < nFolds; f++) {
            const v = roundHalf(logits[f][k * plane + p] / w[p]);
            sum = f === 0 ? v : roundHalf(sum + v);
          }
          out[k * Y * X + y * X + x] = roundHalf(sum / nFolds);
        }
    return out;
  }
  // one fold: the float32 quotient of two halves, rounded to half; the weight's reciprocal serves all K classes
  if (s.half) {
    const inv = new Float64Array(Y * X);
    for (let y = 0; y < Y; y++)
      halfReciprocals(s.weight, (y + padBelow[1]) * padded[2] + padBelow[2], X, inv, y * X);
    const l = s.logits[0];
    for (let k = 0; k < K; k++)
      for (let y = 0; y < Y; y++)
        divideHalfRow(
          l,
          k * plane + (y + padBelow[1]) * padded[2] + padBelow[2],
          inv,
          y * X,
          out,
          bits,
          (k * Y + y) * X,
          X,
        );
    return out;
  }
  for (let k = 0; k < K; k++)
    for (let y = 0; y < Y; y++) {
      const p0 = (y + padBelow[1]) * padded[2] + padBelow[2];
      const l0 = k * plane + p0;
      const o0 = k * Y * X + y * X;
      const l = s.logits[0];
      const w = s.weight;
      for (let x = 0; x < X; x++) out[o0 + x] = l[l0 + x] / w[p0 + x];
      roundHalfInPlace(out, bits, o0, o0 + X);
    }
  return out;
}
