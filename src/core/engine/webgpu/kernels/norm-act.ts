/**
 * WGSL for instance norm fused with LeakyReLU: per-(n, c) statistics (two passes: mean, then centred
 * squares, as the CPU twin), the element-wise apply, and the backward (two per-(n, c) sums, the input
 * gradient, and the affine gradients summed over n).
 */
import { bindings, consts, f32, type Kernel, linear, linearMain, RED_WG, TREE_REDUCE } from './common';

export function normStatsWgsl(nc: number, vol: number, eps: number): Kernel {
  return {
    code: `${consts({ NC: nc, VOL: vol })}
const EPS = ${f32(eps)};
${bindings([
  ['x', 'read'],
  ['stats', 'read_write'],
])}
var<workgroup> sh: array<f32, ${RED_WG}>;
@compute @workgroup_size(${RED_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let base = wid.x * VOL;
  var s = 0.0;
  for (var v = lid; v < VOL; v = v + ${RED_WG}u) { s = s + x[base + v]; }
  sh[lid] = s;
${TREE_REDUCE}
  let mean = sh[0] / f32(VOL);
  workgroupBarrier();
  var q = 0.0;
  for (var v = lid; v < VOL; v = v + ${RED_WG}u) { let d = x[base + v] - mean; q = q + d * d; }
  sh[lid] = q;
${TREE_REDUCE}
  if (lid == 0u) {
    stats[2u * wid.x] = mean;
    stats[2u * wid.x + 1u] = 1.0 / sqrt(sh[0] / f32(VOL) + EPS);
  }
}`,
    groups: [nc, 1, 1],
  };
}

export function normApplyWgsl(n: number, c: number, vol: number, slope: number): Kernel {
  return linear(
    n * c * vol,
    `${consts({ C: c, VOL: vol, TOTAL: n * c * vol })}
const SLOPE = ${f32(slope)};
${bindings([
  ['x', 'read'],
  ['stats', 'read'],
  ['gamma', 'read'],
  ['beta', 'read'],
  ['y', 'read_write'],
])}
${linearMain(`
  let nc = i / VOL;
  let c = nc % C;
  let v = (x[i] - stats[2u * nc]) * (gamma[c] * stats[2u * nc + 1u]) + beta[c];
  y[i] = select(v * SLOPE, v, v > 0.0);`)}`,
  );
}

/** Per (n, c): Σ g and Σ g·x̂ with g = dy·act'(y). */
export function normGradSumsWgsl(nc: number, vol: number, slope: number): Kernel {
  return {
    code: `${consts({ NC: nc, VOL: vol })}
const SLOPE = ${f32(slope)};
${bindings([
  ['dy', 'read'],
  ['x', 'read'],
  ['y', 'read'],
  ['stats', 'read'],
  ['sums', 'read_write'],
])}
var<workgroup> sh: array<f32, ${RED_WG}>;
var<workgroup> sh2: array<f32, ${RED_WG}>;
@compute @workgroup_size(${RED_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let base = wid.x * VOL;
  let mean = stats[2u * wid.x];
  let invstd = stats[2u * wid.x + 1u];
  var s = 0.0;
  var sx = 0.0;
  for (var v = lid; v < VOL; v = v + ${RED_WG}u) {
    let g = select(dy[base + v] * SLOPE, dy[base + v], y[base + v] > 0.0);
    s = s + g;
    sx = sx + g * (x[base + v] - mean) * invstd;
  }
  sh[lid] = s;
  sh2[lid] = sx;
  workgroupBarrier();
  for (var k = ${RED_WG / 2}u; k > 0u; k = k >> 1u) {
    if (lid < k) { sh[lid] = sh[lid] + sh[lid + k]; sh2[lid] = sh2[lid] + sh2[lid + k]; }
    workgroupBarrier();
  }
  if (lid == 0u) { sums[2u * wid.x] = sh[0]; sums[2u * wid.x + 1u] = sh2[0]; }
}`,
    groups: [nc, 1, 1],
  };
}

export function normGradInputWgsl(n: number, c: number, vol: number, slope: number): Kernel {
  return linear(
    n * c * vol,
    `${consts({ C: c, VOL: vol, TOTAL: n * c * vol })}
const SLOPE = ${f32(slope)};
${bindings([
  ['dy', 'read'],
  ['x', 'read'],
  ['y', 'read'],
  ['stats', 'read'],
  ['sums', 'read'],
  ['gamma', 'read'],
  ['dx', 'read_write'],
])}
${linearMain(`
  let nc = i / VOL;
  let c = nc % C;
  let invstd = stats[2u * nc + 1u];
  let g = select(dy[i] * SLOPE, dy[i], y[i] > 0.0);
  let xhat = (x[i] - stats[2u * nc]) * invstd;
  dx[i] = gamma[c] * invstd * (g - sums[2u * nc] / f32(VOL) - xhat * (sums[2u * nc + 1u] / f32(VOL)));`)}`,
  );
}

/** dgamma[c] = Σ_n Σ g·x̂, dbeta[c] = Σ_n Σ g. */
export function normGradAffineWgsl(n: number, c: number): Kernel {
  return linear(
    c,
    `${consts({ N: n, C: c, TOTAL: c })}
${bindings([
  ['sums', 'read'],
  ['dgamma', 'read_write'],
  ['dbeta', 'read_write'],
])}
${linearMain(`
  var sg = 0.0;
  var sb = 0.0;
  for (var k = 0u; k < N; k++) { sb = sb + sums[2u * (k * C + i)]; sg = sg + sums[2u * (k * C + i) + 1u]; }
  dgamma[i] = sg;
  dbeta[i] = sb;`)}`,
  );
}
