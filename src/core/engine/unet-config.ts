import { TesseraError } from '../errors';

/**
 * What the engine needs to build one of dynamic-network-architectures' U-Nets. The norm (InstanceNorm,
 * eps 1e-5, affine), the nonlinearity (LeakyReLU 0.01), no dropout and nonlin after norm are fixed: they
 * are what nnU-Net's plans use, and a NetworkSpec saying otherwise is refused when it is mapped here.
 */
export interface UNetConfig {
  network: 'PlainConvUNet' | 'ResidualEncoderUNet';
  dims: 2 | 3;
  inputChannels: number;
  numClasses: number;
  features: number[];
  /** Per stage, `dims` entries. */
  kernels: number[][];
  strides: number[][];
  /** PlainConvUNet: convs per encoder stage; ResidualEncoderUNet: BasicBlockD blocks per stage. */
  nConvPerStage: number[];
  nConvPerStageDecoder: number[];
  convBias: boolean;
  deepSupervision: boolean;
}

export function validateUNetConfig(c: UNetConfig, where = 'network'): void {
  const n = c.features.length;
  const bad = (detail: string) => new TesseraError('bad-model', where, detail);
  if (n < 2) throw bad('a U-Net needs at least two stages');
  if (c.kernels.length !== n || c.strides.length !== n || c.nConvPerStage.length !== n)
    throw bad(`features, kernels, strides and convs per stage must all have ${n} entries`);
  if (c.nConvPerStageDecoder.length !== n - 1)
    throw bad(`decoder convs per stage must have ${n - 1} entries`);
  for (const k of [...c.kernels, ...c.strides])
    if (k.length !== c.dims) throw bad(`kernel and stride entries must have ${c.dims} values`);
  for (const k of c.kernels)
    if (k.some((v) => v < 1 || v % 2 !== 1)) throw bad(`kernel sizes must be odd (got ${JSON.stringify(k)})`);
  if (c.inputChannels < 1 || c.numClasses < 2) throw bad('need at least one input channel and two classes');
}

/** Smallest patch edge the network accepts per axis: the product of all strides. */
export function patchDivisor(c: UNetConfig): number[] {
  const d = new Array(c.dims).fill(1);
  for (const s of c.strides) for (let a = 0; a < c.dims; a++) d[a] *= s[a];
  return d;
}

/** nnU-Net's deep-supervision loss weights: 1/2^i, the lowest output 0, normalised to sum 1. */
export function deepSupervisionWeights(nStages: number): number[] {
  const w = Array.from({ length: nStages - 1 }, (_, i) => 1 / 2 ** i);
  w[w.length - 1] = 0;
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

/** Spatial scale of each deep-supervision output relative to the input (1/cumprod of strides). */
export function deepSupervisionScales(c: UNetConfig): number[][] {
  const scales: number[][] = [];
  const cum = new Array(c.dims).fill(1);
  for (let s = 0; s < c.strides.length - 1; s++) {
    for (let a = 0; a < c.dims; a++) cum[a] *= c.strides[s][a];
    scales.push(cum.map((v) => 1 / v));
  }
  return scales;
}
