/**
 * Mirror a C-order tensor of shape `shape` along `axes` (indices into shape), into `out` (which may not
 * alias `src`). Used for test-time augmentation: flip the input, predict, flip the prediction back.
 */
export function flipAxes(
  src: Float32Array,
  shape: readonly number[],
  axes: readonly number[],
  out: Float32Array = new Float32Array(src.length),
): Float32Array {
  if (axes.length === 0) {
    out.set(src);
    return out;
  }
  const n = shape.length;
  const strides = new Array(n).fill(1);
  for (let d = n - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1];
  const flip = new Array(n).fill(false);
  for (const a of axes) flip[a] = true;
  // Innermost axis handled as a run; outer indices enumerated.
  const inner = shape[n - 1];
  const flipInner = flip[n - 1];
  const outer = src.length / inner;
  const idx = new Array(n - 1).fill(0);
  for (let o = 0; o < outer; o++) {
    let srcBase = 0;
    for (let d = 0; d < n - 1; d++) srcBase += (flip[d] ? shape[d] - 1 - idx[d] : idx[d]) * strides[d];
    const dstBase = o * inner;
    if (flipInner) for (let i = 0; i < inner; i++) out[dstBase + i] = src[srcBase + inner - 1 - i];
    else out.set(src.subarray(srcBase, srcBase + inner), dstBase);
    for (let d = n - 2; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * nnU-Net's mirror combinations for TTA over the allowed axes (spatial axis indices): every non-empty
 * subset, smallest first, in itertools.combinations order — (0), (1), (2), (0, 1), (0, 2), (1, 2), (0, 1, 2).
 */
export function mirrorCombinations(axes: readonly number[]): number[][] {
  const out: number[][] = [];
  const choose = (start: number, size: number, acc: number[]) => {
    if (acc.length === size) {
      out.push(acc.slice());
      return;
    }
    for (let i = start; i < axes.length; i++) {
      acc.push(axes[i]);
      choose(i + 1, size, acc);
      acc.pop();
    }
  };
  for (let size = 1; size <= axes.length; size++) choose(0, size, []);
  return out;
}
