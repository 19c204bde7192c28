/** WGSL element-wise kernels: LeakyReLU and its gradient, add, average pooling and its gradient. */
import type { Shape } from '../../tensor';
import { type Kernel, linearKernel } from './common';

export function leakyReluWgsl(size: number, slope: number): Kernel {
  return linearKernel(
    size,
    {
      floats: { SLOPE: slope },
      bind: [
        ['x', 'read'],
        ['y', 'read_write'],
      ],
    },
    '  y[i] = select(x[i] * SLOPE, x[i], x[i] > 0.0);',
  );
}

export function leakyReluGradWgsl(size: number, slope: number): Kernel {
  return linearKernel(
    size,
    {
      floats: { SLOPE: slope },
      bind: [
        ['dy', 'read'],
        ['y', 'read'],
        ['dx', 'read_write'],
      ],
    },
    '  dx[i] = select(dy[i] * SLOPE, dy[i], y[i] > 0.0);',
  );
}

export function addWgsl(size: number): Kernel {
  return linearKernel(
    size,
    {
      bind: [
        ['a', 'read'],
        ['b', 'read'],
        ['y', 'read_write'],
      ],
    },
    '  y[i] = a[i] + b[i];',
  );
}

export function addInPlaceWgsl(size: number): Kernel {
  return linearKernel(
    size,
    {
      bind: [
        ['a', 'read_write'],
        ['b', 'read'],
      ],
    },
    '  a[i] = a[i] + b[i];',
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
  return linearKernel(
    d.NC * d.DO * d.HO * d.WO,
    {
      consts: d,
      bind: [
        ['x', 'read'],
        ['y', 'read_write'],
      ],
    },
    `
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
  y[i] = s * (1.0 / f32(KD * KH * KW));`,
  );
}

/** One invocation per input voxel (voxels past the floor-divided extent get 0). */
export function avgPoolGradWgsl(xs: Shape, k: readonly number[]): Kernel {
  const d = poolDims(xs, k);
  return linearKernel(
    d.NC * d.D * d.H * d.W,
    {
      consts: d,
      bind: [
        ['dy', 'read'],
        ['dx', 'read_write'],
      ],
    },
    `
  let w = i % W;
  let h = (i / W) % H;
  let z = (i / (W * H)) % D;
  let nc = i / (W * H * D);
  let oz = z / KD;
  let oh = h / KH;
  let ow = w / KW;
  if (oz >= DO || oh >= HO || ow >= WO) { dx[i] = 0.0; return; }
  dx[i] = dy[((nc * DO + oz) * HO + oh) * WO + ow] * (1.0 / f32(KD * KH * KW));`,
  );
}
