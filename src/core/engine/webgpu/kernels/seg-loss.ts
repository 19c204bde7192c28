/**
 * WGSL for nnU-Net's DC_and_CE_loss (see cpu/seg-loss.ts for the formulas): softmax + per-voxel CE,
 * per-(n, c) Dice sums, a one-thread finaliser (loss, Dice coefficients), and the gradient written over
 * the probabilities in place.
 */
import {
  bindings,
  consts,
  f32,
  type Kernel,
  linearKernel,
  RED_WG,
  reductionKernel,
  treeReduce,
} from './common';

type LossDims = {
  N: number;
  C: number;
  VOL: number;
};

/** Invocation i owns voxel v of sample n; class c of that voxel is at base + c·VOL. */
const VOXEL_OF_I = `
  let n = i / VOL;
  let v = i % VOL;
  let base = n * C * VOL + v;`;

export function softmaxCeWgsl(d: LossDims): Kernel {
  return linearKernel(
    d.N * d.VOL,
    {
      consts: d,
      bind: [
        ['z', 'read'],
        ['labels', 'read'],
        ['p', 'read_write'],
        ['ce', 'read_write'],
      ],
    },
    `${VOXEL_OF_I}
  var m = z[base];
  for (var c = 1u; c < C; c++) { m = max(m, z[base + c * VOL]); }
  var s = 0.0;
  for (var c = 0u; c < C; c++) { let e = exp(z[base + c * VOL] - m); p[base + c * VOL] = e; s = s + e; }
  for (var c = 0u; c < C; c++) { p[base + c * VOL] = p[base + c * VOL] / s; }
  let t = u32(labels[i]);
  ce[i] = -(z[base + t * VOL] - m - log(s));`,
  );
}

/** Per (n, c): I = Σ p·[t = c], P = Σ p, G = Σ [t = c]. One workgroup per (n, c). */
export function diceSumsWgsl(d: LossDims): Kernel {
  return reductionKernel(
    d.N * d.C,
    {
      consts: d,
      bind: [
        ['p', 'read'],
        ['labels', 'read'],
        ['sums', 'read_write'],
      ],
      shared: ['sh', 'sh2', 'sh3'],
    },
    `
  let nc = wid.x;
  let n = nc / C;
  let c = nc % C;
  var si = 0.0;
  var sp = 0.0;
  var sg = 0.0;
  for (var v = lid; v < VOL; v = v + ${RED_WG}u) {
    let pv = p[nc * VOL + v];
    let y = select(0.0, 1.0, u32(labels[n * VOL + v]) == c);
    si = si + pv * y;
    sp = sp + pv;
    sg = sg + y;
  }
  sh[lid] = si;
  sh2[lid] = sp;
  sh3[lid] = sg;
${treeReduce('sh', 'sh2', 'sh3')}
  if (lid == 0u) { sums[3u * nc] = sh[0]; sums[3u * nc + 1u] = sh2[0]; sums[3u * nc + 2u] = sh3[0]; }`,
  );
}

/**
 * One thread: loss terms into acc (+=) and, per (group, c ≥ 1), the gradient coefficients
 * dL/dp = A·y − B into coef[2·(g·C + c)] = A, [+1] = B.
 */
export function lossFinalizeWgsl(d: LossDims, batchDice: boolean, smooth: number, weight: number): Kernel {
  const groups = batchDice ? 1 : d.N;
  return {
    code: `${consts({ ...d, GROUPS: groups, M: d.N * d.VOL, K: groups * (d.C - 1) })}
const SMOOTH = ${f32(smooth)};
const WEIGHT = ${f32(weight)};
${bindings([
  ['sums', 'read'],
  ['cesum', 'read'],
  ['coef', 'read_write'],
  ['acc', 'read_write'],
])}
@compute @workgroup_size(1)
fn main() {
  let ce = cesum[0] / f32(M);
  var dc = 0.0;
  for (var g = 0u; g < GROUPS; g++) {
    for (var c = 1u; c < C; c++) {
      var si = 0.0;
      var sp = 0.0;
      var sg = 0.0;
      for (var n = 0u; n < N; n++) {
        if (${batchDice ? 'true' : 'n == g'}) {
          let j = 3u * (n * C + c);
          si = si + sums[j];
          sp = sp + sums[j + 1u];
          sg = sg + sums[j + 2u];
        }
      }
      let den = max(sg + sp + SMOOTH, 1e-8);
      dc = dc + (2.0 * si + SMOOTH) / den;
      coef[2u * (g * C + c)] = -2.0 / (f32(K) * den);
      coef[2u * (g * C + c) + 1u] = -(2.0 * si + SMOOTH) / (f32(K) * den * den);
    }
  }
  let dice = -dc / f32(K);
  acc[0] = acc[0] + WEIGHT * (ce + dice);
  acc[1] = acc[1] + WEIGHT * ce;
  acc[2] = acc[2] + WEIGHT * dice;
}`,
    groups: [1, 1, 1],
  };
}

/** Overwrites p (probabilities) with WEIGHT·dL/dz. */
export function lossGradWgsl(d: LossDims, batchDice: boolean, weight: number): Kernel {
  return linearKernel(
    d.N * d.VOL,
    {
      consts: { ...d, M: d.N * d.VOL },
      floats: { WEIGHT: weight },
      bind: [
        ['p', 'read_write'],
        ['labels', 'read'],
        ['coef', 'read'],
      ],
    },
    `${VOXEL_OF_I}
  let t = u32(labels[i]);
  let g = ${batchDice ? '0u' : 'n'};
  var dot = 0.0;
  for (var c = 1u; c < C; c++) {
    let gp = select(0.0, coef[2u * (g * C + c)], c == t) - coef[2u * (g * C + c) + 1u];
    dot = dot + p[base + c * VOL] * gp;
  }
  for (var c = 0u; c < C; c++) {
    let pc = p[base + c * VOL];
    var gp = 0.0;
    if (c > 0u) { gp = select(0.0, coef[2u * (g * C + c)], c == t) - coef[2u * (g * C + c) + 1u]; }
    let y = select(0.0, 1.0, c == t);
    p[base + c * VOL] = WEIGHT * ((pc - y) / f32(M) + pc * (gp - dot));
  }`,
  );
}
