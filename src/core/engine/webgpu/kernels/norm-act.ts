/**
 * WGSL for instance norm fused with LeakyReLU: per-(n, c) statistics (two passes: mean, then centred
 * squares, as the CPU twin), the element-wise apply, and the backward (two per-(n, c) sums, the input
 * gradient, and the affine gradients summed over n).
 */
import { type Binding, type Kernel, linearKernel, RED_WG, reductionKernel, treeReduce } from './common';

/**
 * One invocation per element i of an (N, C, VOL) tensor; body sees its instance nc = n·C + c (statistics at
 * 2·nc: mean, 2·nc + 1: 1/std) and channel c.
 */
function perElement(n: number, c: number, vol: number, slope: number, bind: Binding[], body: string): Kernel {
  return linearKernel(
    n * c * vol,
    { consts: { C: c, VOL: vol }, floats: { SLOPE: slope }, bind },
    `
  let nc = i / VOL;
  let c = nc % C;${body}`,
  );
}

/** One workgroup per instance (n, c) of `nc`, reducing over its VOL voxels from x[base]. */
function perInstance(
  nc: number,
  vol: number,
  floats: Record<string, number>,
  bind: Binding[],
  shared: string[],
  body: string,
): Kernel {
  return reductionKernel(
    nc,
    { consts: { NC: nc, VOL: vol }, floats, bind, shared },
    `
  let base = wid.x * VOL;${body}`,
  );
}

export function normStatsWgsl(nc: number, vol: number, eps: number): Kernel {
  return perInstance(
    nc,
    vol,
    { EPS: eps },
    [
      ['x', 'read'],
      ['stats', 'read_write'],
    ],
    ['sh'],
    `
  var s = 0.0;
  for (var v = lid; v < VOL; v = v + ${RED_WG}u) { s = s + x[base + v]; }
  sh[lid] = s;
${treeReduce()}
  let mean = sh[0] / f32(VOL);
  workgroupBarrier();
  var q = 0.0;
  for (var v = lid; v < VOL; v = v + ${RED_WG}u) { let d = x[base + v] - mean; q = q + d * d; }
  sh[lid] = q;
${treeReduce()}
  if (lid == 0u) {
    stats[2u * wid.x] = mean;
    stats[2u * wid.x + 1u] = 1.0 / sqrt(sh[0] / f32(VOL) + EPS);
  }`,
  );
}

export function normApplyWgsl(n: number, c: number, vol: number, slope: number): Kernel {
  return perElement(
    n,
    c,
    vol,
    slope,
    [
      ['x', 'read'],
      ['stats', 'read'],
      ['gamma', 'read'],
      ['beta', 'read'],
      ['y', 'read_write'],
    ],
    `
  let v = (x[i] - stats[2u * nc]) * (gamma[c] * stats[2u * nc + 1u]) + beta[c];
  y[i] = select(v * SLOPE, v, v > 0.0);`,
  );
}

/** Per (n, c): Σ g and Σ g·x̂ with g = dy·act'(y). */
export function normGradSumsWgsl(nc: number, vol: number, slope: number): Kernel {
  return perInstance(
    nc,
    vol,
    { SLOPE: slope },
    [
      ['dy', 'read'],
      ['x', 'read'],
      ['y', 'read'],
      ['stats', 'read'],
      ['sums', 'read_write'],
    ],
    ['sh', 'sh2'],
    `
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
${treeReduce('sh', 'sh2')}
  if (lid == 0u) { sums[2u * wid.x] = sh[0]; sums[2u * wid.x + 1u] = sh2[0]; }`,
  );
}

export function normGradInputWgsl(n: number, c: number, vol: number, slope: number): Kernel {
  return perElement(
    n,
    c,
    vol,
    slope,
    [
      ['dy', 'read'],
      ['x', 'read'],
      ['y', 'read'],
      ['stats', 'read'],
      ['sums', 'read'],
      ['gamma', 'read'],
      ['dx', 'read_write'],
    ],
    `
  let invstd = stats[2u * nc + 1u];
  let g = select(dy[i] * SLOPE, dy[i], y[i] > 0.0);
  let xhat = (x[i] - stats[2u * nc]) * invstd;
  dx[i] = gamma[c] * invstd * (g - sums[2u * nc] / f32(VOL) - xhat * (sums[2u * nc + 1u] / f32(VOL)));`,
  );
}

/** dgamma[c] = Σ_n Σ g·x̂, dbeta[c] = Σ_n Σ g. */
export function normGradAffineWgsl(n: number, c: number): Kernel {
  return linearKernel(
    c,
    {
      consts: { N: n, C: c },
      bind: [
        ['sums', 'read'],
        ['dgamma', 'read_write'],
        ['dbeta', 'read_write'],
      ],
    },
    `
  var sg = 0.0;
  var sb = 0.0;
  for (var k = 0u; k < N; k++) { sb = sb + sums[2u * (k * C + i)]; sg = sg + sums[2u * (k * C + i) + 1u]; }
  dgamma[i] = sg;
  dbeta[i] = sb;`,
  );
}
