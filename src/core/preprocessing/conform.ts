import type { Affine, VoxelArray } from '../io/volume/volume';

/**
 * Reslicing between grids by their affines, for models that expect a fixed input grid rather than
 * nnU-Net's spacing-based resampling (e.g. brainchop's MeshNet: 256³ voxels of 1 mm in LIA orientation,
 * FreeSurfer's "conformed" space).
 */
export interface Grid {
  /** (i, j, k) */
  shape: [number, number, number];
  affine: Affine;
}

/** World (RAS+) direction each axis code points to. */
const DIRECTION: Record<string, [number, number, number]> = {
  R: [1, 0, 0],
  L: [-1, 0, 0],
  A: [0, 1, 0],
  P: [0, -1, 0],
  S: [0, 0, 1],
  I: [0, 0, -1],
};

/** Rotation of an orientation given as axis codes ('LIA': i → Left, j → Inferior, k → Anterior). */
function orientationMatrix(codes: string): number[][] {
  const cols = codes
    .toUpperCase()
    .split('')
    .map((c) => DIRECTION[c]);
  if (
    cols.length !== 3 ||
    cols.some((c) => !c) ||
    new Set(cols.map((c) => c.findIndex((v: number) => v !== 0))).size !== 3
  ) {
    throw new Error(`'${codes}' is not an orientation (three of R/L, A/P, S/I)`);
  }
  return [0, 1, 2].map((r) => cols.map((c) => c[r]));
}

/**
 * The conformed grid for a volume: `size`³ voxels of `voxelMm`, in the given orientation, centred on the
 * centre of the source volume with FastSurfer's convention (the world point of voxel dims/2, as NiiVue's and
 * brainchop's conform use it), so a volume already in that space maps onto itself voxel for voxel.
 */
export function conformedGrid(source: Grid, size = 256, voxelMm = 1, orientation = 'LIA'): Grid {
  const R = orientationMatrix(orientation);
  const centre = applyAffine(
    source.affine,
    source.shape.map((n) => n / 2),
  );
  const half = size / 2;
  const affine: Affine = [0, 1, 2].map((r) => {
    const row = R[r].map((v) => v * voxelMm);
    const t = centre[r] - (row[0] + row[1] + row[2]) * half;
    return [...row, t];
  });
  affine.push([0, 0, 0, 1]);
  return { shape: [size, size, size], affine };
}

function applyAffine(a: Affine, p: number[]): number[] {
  return [0, 1, 2].map((r) => a[r][0] * p[0] + a[r][1] * p[1] + a[r][2] * p[2] + a[r][3]);
}

export function invertAffine(a: Affine): Affine {
  const m = a;
  const det =
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  if (Math.abs(det) < 1e-12) throw new Error('the affine is singular');
  const inv = [
    [
      (m[1][1] * m[2][2] - m[1][2] * m[2][1]) / det,
      (m[0][2] * m[2][1] - m[0][1] * m[2][2]) / det,
      (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / det,
    ],
    [
      (m[1][2] * m[2][0] - m[1][0] * m[2][2]) / det,
      (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det,
      (m[0][2] * m[1][0] - m[0][0] * m[1][2]) / det,
    ],
    [
      (m[1][0] * m[2][1] - m[1][1] * m[2][0]) / det,
      (m[0][1] * m[2][0] - m[0][0] * m[2][1]) / det,
      (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det,
    ],
  ];
  const t = [0, 1, 2].map((r) => -(inv[r][0] * m[0][3] + inv[r][1] * m[1][3] + inv[r][2] * m[2][3]));
  return [...inv.map((row, r) => [...row, t[r]]), [0, 0, 0, 1]];
}

/**
 * Resample `src` (on grid `from`) onto grid `to`: trilinear for images, nearest for labels; voxels that
 * fall outside the source are `fill`. Output in file order (i fastest), Float32 for linear, the source's
 * own type for nearest.
 */
export function reslice(
  src: VoxelArray,
  from: Grid,
  to: Grid,
  mode: 'linear' | 'nearest',
  fill = 0,
): VoxelArray {
  // destination voxel → source voxel: inv(from) · to
  const inv = invertAffine(from.affine);
  const M = [0, 1, 2].map((r) =>
    [0, 1, 2, 3].map(
      (c) =>
        inv[r][0] * to.affine[0][c] +
        inv[r][1] * to.affine[1][c] +
        inv[r][2] * to.affine[2][c] +
        (c === 3 ? inv[r][3] : 0),
    ),
  );
  const [ni, nj, nk] = from.shape;
  const [oi, oj, ok] = to.shape;
  const out: VoxelArray =
    mode === 'linear'
      ? new Float32Array(oi * oj * ok)
      : new (src.constructor as new (n: number) => VoxelArray)(oi * oj * ok);
  const sj = ni;
  const sk = ni * nj;
  let o = 0;
  for (let k = 0; k < ok; k++)
    for (let j = 0; j < oj; j++) {
      // position of (0, j, k) and the step per i, in source voxels
      let x = M[0][1] * j + M[0][2] * k + M[0][3];
      let y = M[1][1] * j + M[1][2] * k + M[1][3];
      let z = M[2][1] * j + M[2][2] * k + M[2][3];
      const dx = M[0][0];
      const dy = M[1][0];
      const dz = M[2][0];
      for (let i = 0; i < oi; i++, o++, x += dx, y += dy, z += dz) {
        if (mode === 'nearest') {
          const a = Math.round(x);
          const b = Math.round(y);
          const c = Math.round(z);
          out[o] = a < 0 || b < 0 || c < 0 || a >= ni || b >= nj || c >= nk ? fill : src[a + b * sj + c * sk];
          continue;
        }
        if (x < -0.5 || y < -0.5 || z < -0.5 || x > ni - 0.5 || y > nj - 0.5 || z > nk - 0.5) {
          out[o] = fill;
          continue;
        }
        // clamp to the edge within half a voxel of it
        const xc = Math.min(Math.max(x, 0), ni - 1);
        const yc = Math.min(Math.max(y, 0), nj - 1);
        const zc = Math.min(Math.max(z, 0), nk - 1);
        const x0 = Math.min(Math.floor(xc), Math.max(ni - 2, 0));
        const y0 = Math.min(Math.floor(yc), Math.max(nj - 2, 0));
        const z0 = Math.min(Math.floor(zc), Math.max(nk - 2, 0));
        const fx = ni > 1 ? xc - x0 : 0;
        const fy = nj > 1 ? yc - y0 : 0;
        const fz = nk > 1 ? zc - z0 : 0;
        const x1 = ni > 1 ? 1 : 0;
        const y1 = nj > 1 ? sj : 0;
        const z1 = nk > 1 ? sk : 0;
        const p = x0 + y0 * sj + z0 * sk;
        const c00 = src[p] * (1 - fx) + src[p + x1] * fx;
        const c10 = src[p + y1] * (1 - fx) + src[p + y1 + x1] * fx;
        const c01 = src[p + z1] * (1 - fx) + src[p + z1 + x1] * fx;
        const c11 = src[p + y1 + z1] * (1 - fx) + src[p + y1 + z1 + x1] * fx;
        out[o] = (c00 * (1 - fy) + c10 * fy) * (1 - fz) + (c01 * (1 - fy) + c11 * fy) * fz;
      }
    }
  return out;
}
