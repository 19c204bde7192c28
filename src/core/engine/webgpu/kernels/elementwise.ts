/** WGSL element-wise kernels: LeakyReLU and its gradient, add, average pooling and its gradient. */
import type { Shape } from '../../tensor';
import { bindings, consts, f32, type Kernel, linear, linearMain } from './common';

export function leakyReluWgsl(size: number, slope: number): Kernel {
  return linear(
    size,
    `${consts({ TOTAL: size })}
const SLOPE = ${f32(slope)};
${bindings([
  ['x', 'read'],
  ['y', 'read_write'],
])}
${linearMain('  y[i] = select(x[i] * SLOPE, x[i], x[i] > 0.0);')}`,
  );
}

export function leakyReluGradWgsl(size: number, slope: number): Kernel {
  return linear(
    size,
    `${consts({ TOTAL: size })}
const SLOPE = ${f32(slope)};
${bindings([
  ['dy', 'read'],
  ['y', 'read'],
  ['dx', 'read_write'],
])}
${linearMain('  dx[i] = select(dy[i] * SLOPE, dy[i], y[i] > 0.0);')}`,
  );
}

export function addWgsl(size: number): Kernel {
  return linear(
    size,
    `${consts({ TOTAL: size })}
${bindings([
  ['a', 'read'],
  ['b', 'read'],
  ['y', 'read_write'],
])}
${linearMain('  y[i] = a[i] + b[i];')}`,
  );
}

export function addInPlaceWgsl(size: number): Kernel {
  return linear(
    size,
    `${consts({ TOTAL: size })}
${bindings([
  ['a', 'read_write'],
  ['b', 'read'],
])}
${linearMain('  a[i] = a[i] + b[i];')}`,
  );
}

function poolDims(xs: Shape, k: readonly number[]) {
  const DO = Math.floor(xs[2] / k[0]);
  const HO = Math.floor(xs[3] / k[1]);
  const WO = Math.floor(xs[4] / k[2]);
  return { D: xs[2], H: xs[3], W: xs[4], KD: k[0], KH: k[1], KW: k[2], DO, HO, WO, NC: xs[0] * xs[1] };
}

export function avgPoolWgsl(xs: Shape, k: readonly number[]): Kernel {
  const d = poolDims(xs, k);
  return linear(
    d.NC * d.DO * d.HO * d.WO,
    `${consts({ ...d, TOTAL: d.NC * d.DO * d.HO * d.WO })}
${bindings([
  ['x', 'read'],
  ['y', 'read_write'],
])}
${linearMain(`
  let q = i % WO;
  let r = (i / WO) % HO;
  let z = (i / (WO * HO)) % DO;
  let nc = i / (WO * HO * DO);
  var s = 0.0;
  for (var a = 0u; a < KD; a++) {
    for (var b = 0u; b < KH; b++) {
      for (var e = 0u; e < KW; e++) { s = s + x[((nc * D + z * KD + a) * H + r * KH + b) * W + q * KW + e]; }
    }
  }
  y[i] = s * (1.0 / f32(KD * KH * KW));`)}`,
  );
}

/** One invocation per input voxel (voxels past the floor-divided extent get 0). */
export function avgPoolGradWgsl(xs: Shape, k: readonly number[]): Kernel {
  const d = poolDims(xs, k);
  return linear(
    d.NC * d.D * d.H * d.W,
    `${consts({ ...d, TOTAL: d.NC * d.D * d.H * d.W })}
${bindings([
  ['dy', 'read'],
  ['dx', 'read_write'],
])}
${linearMain(`
  let w = i % W;
  let h = (i / W) % H;
  let z = (i / (W * H)) % D;
  let nc = i / (W * H * D);
  let oz = z / KD;
  let oh = h / KH;
  let ow = w / KW;
  if (oz >= DO || oh >= HO || ow >= WO) { dx[i] = 0.0; return; }
  dx[i] = dy[((nc * DO + oz) * HO + oh) * WO + ow] * (1.0 / f32(KD * KH * KW));`)}`,
  );
}
