import type { NetworkSpec } from '../model/architecture';

/** nnU-Net's deep-supervision loss weights: 1/2^i, the lowest output 0, normalised to sum 1. */
export function deepSupervisionWeights(nStages: number): number[] {
  const w = Array.from({ length: nStages - 1 }, (_, i) => 1 / 2 ** i);
  w[w.length - 1] = 0;
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

/** Spatial scale of each deep-supervision output relative to the input (1 / cumulative strides). */
export function deepSupervisionScales(spec: NetworkSpec): number[][] {
  const scales: number[][] = [];
  const cum = new Array(spec.dim).fill(1);
  for (let s = 0; s < spec.nStages - 1; s++) {
    for (let a = 0; a < spec.dim; a++) cum[a] *= spec.strides[s][a];
    scales.push(cum.map((v) => 1 / v));
  }
  return scales;
}

/** Smallest patch edge the network accepts per axis: the product of all strides. */
export function patchDivisor(spec: NetworkSpec): number[] {
  const d = new Array(spec.dim).fill(1);
  for (const s of spec.strides) for (let a = 0; a < spec.dim; a++) d[a] *= s[a];
  return d;
}

/**
 * Deep-supervision targets: batchgeneratorsv2's DownsampleSegForDSTransform, i.e. torch's
 * interpolate(mode='nearest-exact') of the label patch to round(size · scale) per axis:
 * source index = min(floor((i + 0.5) · in / out), in − 1). Labels are −1 → 0 first (RemoveLabelTansform).
 */
export function nearestExactIndex(i: number, inLen: number, outLen: number): number {
  return Math.min(Math.floor((i + 0.5) * (inLen / outLen)), inLen - 1);
}

/**
 * seg [b, 1, d, h, w] → one float label tensor per output, shapes [b, 1, ...]. scales per output, 3
 * entries (d, h, w), 1 = full resolution.
 */
export function deepSupervisionTargets(
  seg: Int16Array,
  batch: number,
  shape: readonly number[],
  scales: readonly (readonly number[])[],
): { data: Float32Array; shape: number[] }[] {
  const [D, H, W] = shape;
  const vol = D * H * W;
  return scales.map((sc) => {
    const out = [0, 1, 2].map((a) => Math.round(shape[a] * sc[a]));
    const [d, h, w] = out;
    const data = new Float32Array(batch * d * h * w);
    const iz = Array.from({ length: d }, (_, i) => nearestExactIndex(i, D, d));
    const iy = Array.from({ length: h }, (_, i) => nearestExactIndex(i, H, h));
    const ix = Array.from({ length: w }, (_, i) => nearestExactIndex(i, W, w));
    let o = 0;
    for (let b = 0; b < batch; b++)
      for (let z = 0; z < d; z++)
        for (let y = 0; y < h; y++) {
          const row = b * vol + (iz[z] * H + iy[y]) * W;
          for (let x = 0; x < w; x++) {
            const v = seg[row + ix[x]];
            data[o++] = Math.max(0, v);
          }
        }
    return { data, shape: [batch, 1, d, h, w] };
  });
}
