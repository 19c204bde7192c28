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
