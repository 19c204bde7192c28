/**
 * WGSL for the transposed convolution with kernel = stride (no padding) and its gradients. Each output
 * voxel has exactly one source voxel and one tap, so the forward and the input gradient are channel
 * contractions; the weight gradient uses the same split-K scheme as the convolution's.
 */
import type { Shape } from '../../tensor';
import type { Kernel } from './common';
import { channelBlockKernel, OUTPUT_VOXEL, splitKGradWeightKernel } from './conv-frames';

function dims(xs: Shape, co: number, s: readonly number[]) {
  return {
    N: xs[0],
    CI: xs[1],
    CO: co,
    D: xs[2],
    H: xs[3],
    W: xs[4],
    SD: s[0],
    SH: s[1],
    SW: s[2],
    HO: xs[3] * s[1],
    WO: xs[4] * s[2],
    INVOL: xs[2] * xs[3] * xs[4],
    OUTVOL: xs[2] * xs[3] * xs[4] * s[0] * s[1] * s[2],
    KVOL: s[0] * s[1] * s[2],
  };
}

export function convTransposeForwardWgsl(
  xs: Shape,
  co: number,
  s: readonly number[],
  hasBias: boolean,
): Kernel {
  return channelBlockKernel(
    dims(xs, co, s),
    'output',
    `${OUTPUT_VOXEL}
  let xi = ((od / SD) * H + oh / SH) * W + ow / SW;
  let k = ((od % SD) * SH + oh % SH) * SW + ow % SW;
  for (var ci = 0u; ci < CI; ci++) {
    let xv = x[(n * CI + ci) * INVOL + xi];
    let wb = (ci * CO + co0) * KVOL + k;
    for (var j = 0u; j < COB; j++) { acc[j] = acc[j] + xv * w[wb + j * KVOL]; }
  }`,
    hasBias,
  );
}

/** Input voxel (z, r, q) of input position sp. */
const INPUT_VOXEL = `
    let q = sp % W;
    let r = (sp / W) % H;
    let z = sp / (W * H);`;

/** Loops over the KVOL output voxels fed by input voxel (z, r, q); body sees o (output index) and k. */
const TAPS_FROM_INPUT = (body: string) => `
    for (var kd = 0u; kd < SD; kd++) {
      for (var kh = 0u; kh < SH; kh++) {
        for (var kw = 0u; kw < SW; kw++) {
          let o = ((z * SD + kd) * HO + r * SH + kh) * WO + q * SW + kw;
          let k = (kd * SH + kh) * SW + kw;
${body}
        }
      }
    }`;

export function convTransposeGradInputWgsl(xs: Shape, co: number, s: readonly number[]): Kernel {
  return channelBlockKernel(
    dims(xs, co, s),
    'inputGrad',
    `${INPUT_VOXEL}
  for (var co = 0u; co < CO; co++) {
    let yb = (n * CO + co) * OUTVOL;
${TAPS_FROM_INPUT(`          let gv = dy[yb + o];
          for (var j = 0u; j < CIB; j++) { acc[j] = acc[j] + gv * w[((ci0 + j) * CO + co) * KVOL + k]; }`)}
  }`,
  );
}

export function convTransposeGradWeightWgsl(
  xs: Shape,
  co: number,
  s: readonly number[],
  chunks: number,
): Kernel {
  return splitKGradWeightKernel(
    dims(xs, co, s),
    'INVOL',
    chunks,
    `${INPUT_VOXEL}
    let xv = x[(n * CI + ci) * INVOL + sp];
${TAPS_FROM_INPUT(`          for (var j = 0u; j < COB; j++) {
            acc[j * KVOL + k] = acc[j * KVOL + k] + xv * dy[(n * CO + co0 + j) * OUTVOL + o];
          }`)}`,
    '(ci * CO + co0 + j) * KVOL + k',
  );
}
