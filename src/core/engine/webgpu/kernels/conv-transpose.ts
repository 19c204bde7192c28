/**
 * WGSL for the transposed convolution with kernel = stride (no padding) and its gradients. Each output
 * voxel has exactly one source voxel and one tap, so the forward and the input gradient are channel
 * contractions; the weight gradient uses the same split-K scheme as the convolution's.
 */
import type { Shape } from '../../tensor';
import { bindings, channelBlock, consts, type Kernel, linear, linearMain, WG } from './common';
import { gradWeightBlock, reduceAccumulators } from './conv';

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
  const d = dims(xs, co, s);
  const COB = channelBlock(co);
  const NCB = co / COB;
  return linear(
    d.N * NCB * d.OUTVOL,
    `${consts({ ...d, COB, NCB, TOTAL: d.N * NCB * d.OUTVOL })}
${bindings(
  hasBias
    ? [
        ['x', 'read'],
        ['w', 'read'],
        ['b', 'read'],
        ['y', 'read_write'],
      ]
    : [
        ['x', 'read'],
        ['w', 'read'],
        ['y', 'read_write'],
      ],
)}
${linearMain(`
  let sp = i % OUTVOL;
  let r = i / OUTVOL;
  let co0 = (r % NCB) * COB;
  let n = r / NCB;
  let ow = sp % WO;
  let oh = (sp / WO) % HO;
  let od = sp / (WO * HO);
  let xi = ((od / SD) * H + oh / SH) * W + ow / SW;
  let k = ((od % SD) * SH + oh % SH) * SW + ow % SW;
  var acc: array<f32, COB>;
  for (var j = 0u; j < COB; j++) { acc[j] = ${hasBias ? 'b[co0 + j]' : '0.0'}; }
  for (var ci = 0u; ci < CI; ci++) {
    let xv = x[(n * CI + ci) * INVOL + xi];
    let wb = (ci * CO + co0) * KVOL + k;
    for (var j = 0u; j < COB; j++) { acc[j] = acc[j] + xv * w[wb + j * KVOL]; }
  }
  for (var j = 0u; j < COB; j++) { y[(n * CO + co0 + j) * OUTVOL + sp] = acc[j]; }`)}`,
  );
}

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
  const d = dims(xs, co, s);
  const CIB = channelBlock(d.CI);
  const NCIB = d.CI / CIB;
  return linear(
    d.N * NCIB * d.INVOL,
    `${consts({ ...d, CIB, NCIB, TOTAL: d.N * NCIB * d.INVOL })}
${bindings([
  ['dy', 'read'],
  ['w', 'read'],
  ['dx', 'read_write'],
])}
${linearMain(`
  let sp = i % INVOL;
  let t = i / INVOL;
  let ci0 = (t % NCIB) * CIB;
  let n = t / NCIB;
  let q = sp % W;
  let r = (sp / W) % H;
  let z = sp / (W * H);
  var acc: array<f32, CIB>;
  for (var j = 0u; j < CIB; j++) { acc[j] = 0.0; }
  for (var co = 0u; co < CO; co++) {
    let yb = (n * CO + co) * OUTVOL;
${TAPS_FROM_INPUT(`          let gv = dy[yb + o];
          for (var j = 0u; j < CIB; j++) { acc[j] = acc[j] + gv * w[((ci0 + j) * CO + co) * KVOL + k]; }`)}
  }
  for (var j = 0u; j < CIB; j++) { dx[(n * CI + ci0 + j) * INVOL + sp] = acc[j]; }`)}`,
  );
}

export function convTransposeGradWeightWgsl(
  xs: Shape,
  co: number,
  s: readonly number[],
  chunks: number,
): Kernel {
  const d = dims(xs, co, s);
  const COB = gradWeightBlock(co, d.KVOL);
  const NCB = co / COB;
  const POS = d.N * d.INVOL;
  const PER = Math.ceil(POS / chunks);
  return {
    code: `${consts({ ...d, COB, NCB, ACC: COB * d.KVOL, POS, PER, OUTSIZE: d.CI * co * d.KVOL })}
${bindings([
  ['x', 'read'],
  ['dy', 'read'],
  ['out', 'read_write'],
])}
var<workgroup> sh: array<f32, ${WG * d.KVOL}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let ci = wid.x % CI;
  let co0 = (wid.x / CI) * COB;
  let chunk = wid.y;
  var acc: array<f32, ACC>;
  for (var a = 0u; a < ACC; a++) { acc[a] = 0.0; }
  let end = min((chunk + 1u) * PER, POS);
  for (var p = chunk * PER + lid; p < end; p = p + ${WG}u) {
    let n = p / INVOL;
    let sp = p % INVOL;
    let q = sp % W;
    let r = (sp / W) % H;
    let z = sp / (W * H);
    let xv = x[(n * CI + ci) * INVOL + sp];
${TAPS_FROM_INPUT(`          for (var j = 0u; j < COB; j++) {
            acc[j * KVOL + k] = acc[j * KVOL + k] + xv * dy[(n * CO + co0 + j) * OUTVOL + o];
          }`)}
  }
${reduceAccumulators('(ci * CO + co0 + j) * KVOL + k')}
}`,
    groups: [d.CI * NCB, chunks, 1],
  };
}
