import type { Affine } from './volume';

/** Rotation matrix of the unit quaternion (a, b, c, d), as the NIfTI-1 standard defines it. */
export function quaternionToRotation(b: number, c: number, d: number): number[][] {
  // nibabel: a = sqrt(1 - (b²+c²+d²)), with tiny negatives (float32 rounding) taken as 0.
  let w2 = 1 - (b * b + c * c + d * d);
  if (w2 < 0) w2 = 0;
  const a = Math.sqrt(w2);
  return [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
}

/** The qform affine: R · diag(dx, dy, qfac·dz) + offset. */
export function qformAffine(
  quatern: [number, number, number],
  qoffset: [number, number, number],
  zooms: [number, number, number],
  qfac: number,
): Affine {
  const R = quaternionToRotation(...quatern);
  const z = [zooms[0], zooms[1], zooms[2] * (qfac < 0 ? -1 : 1)];
  return [
    [R[0][0] * z[0], R[0][1] * z[1], R[0][2] * z[2], qoffset[0]],
    [R[1][0] * z[0], R[1][1] * z[1], R[1][2] * z[2], qoffset[1]],
    [R[2][0] * z[0], R[2][1] * z[1], R[2][2] * z[2], qoffset[2]],
    [0, 0, 0, 1],
  ];
}

/**
 * nibabel's fallback when neither form is set (`shape_zoom_affine` with x flipped): the volume centred
 * on the origin, i running right-to-left.
 */
export function baseAffine(shape: readonly number[], zooms: readonly number[]): Affine {
  const aff: Affine = [
    [-zooms[0], 0, 0, 0],
    [0, zooms[1], 0, 0],
    [0, 0, zooms[2], 0],
    [0, 0, 0, 1],
  ];
  for (let d = 0; d < 3; d++) aff[d][3] = -((shape[d] - 1) / 2) * aff[d][d];
  return aff;
}

/**
 * The closest (qform-representable) quaternion of an affine's rotation, for writing a qform from any
 * affine, the way the NIfTI reference library does it (nifti_mat44_to_quatern).
 */
export function affineToQuaternion(aff: Affine): {
  quatern: [number, number, number];
  qoffset: [number, number, number];
  zooms: [number, number, number];
  qfac: number;
} {
  const cols = [0, 1, 2].map((c) => [aff[0][c], aff[1][c], aff[2][c]]);
  const zooms = cols.map((v) => Math.hypot(v[0], v[1], v[2]) || 1) as [number, number, number];
  const r = cols.map((v, c) => v.map((x) => x / zooms[c]));
  // r is column-major here: r[c][row]. Build row-major R.
  let R = [0, 1, 2].map((row) => [r[0][row], r[1][row], r[2][row]]);
  R = orthogonalize(R);
  let det = det3(R);
  let qfac = 1;
  if (det < 0) {
    qfac = -1;
    for (let row = 0; row < 3; row++) R[row][2] = -R[row][2];
    det = -det;
  }
  const [r11, r12, r13] = R[0];
  const [r21, r22, r23] = R[1];
  const [r31, r32, r33] = R[2];
  let a = r11 + r22 + r33 + 1;
  let b: number;
  let c: number;
  let d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32 - r23)) / a;
    c = (0.25 * (r13 - r31)) / a;
    d = (0.25 * (r21 - r12)) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33);
    const yd = 1 + r22 - (r11 + r33);
    const zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12 + r21)) / b;
      d = (0.25 * (r13 + r31)) / b;
      a = (0.25 * (r32 - r23)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12 + r21)) / c;
      d = (0.25 * (r23 + r32)) / c;
      a = (0.25 * (r13 - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13 + r31)) / d;
      c = (0.25 * (r23 + r32)) / d;
      a = (0.25 * (r21 - r12)) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { quatern: [b, c, d], qoffset: [aff[0][3], aff[1][3], aff[2][3]], zooms, qfac };
}

function det3(m: number[][]): number {
  return (
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  );
}

/** Polar decomposition by Newton iteration: the nearest orthogonal matrix (shears are dropped). */
function orthogonalize(m: number[][]): number[][] {
  let x = m.map((row) => row.slice());
  for (let it = 0; it < 30; it++) {
    const inv = invert3(x);
    if (!inv) break;
    const next = x.map((row, i) => row.map((v, j) => 0.5 * (v + inv[j][i])));
    let diff = 0;
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) diff = Math.max(diff, Math.abs(next[i][j] - x[i][j]));
    x = next;
    if (diff < 1e-12) break;
  }
  return x;
}

function invert3(m: number[][]): number[][] | null {
  const det = det3(m);
  if (Math.abs(det) < 1e-12) return null;
  const [a, b, c] = m[0];
  const [d, e, f] = m[1];
  const [g, h, i] = m[2];
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

/**
 * Orientation codes as nibabel's `aff2axcodes` gives them: for each voxel axis, the RAS+ world axis it
 * runs along most (greedy on the largest normalized component), as the letter it points towards.
 */
export function axisCodes(aff: Affine): string {
  const cols = [0, 1, 2].map((c) => {
    const v = [aff[0][c], aff[1][c], aff[2][c]];
    const n = Math.hypot(v[0], v[1], v[2]) || 1;
    return v.map((x) => x / n);
  });
  const result: string[] = ['?', '?', '?'];
  const usedRows = new Set<number>();
  const usedCols = new Set<number>();
  for (let pass = 0; pass < 3; pass++) {
    let best = -1;
    let bc = -1;
    let br = -1;
    for (let c = 0; c < 3; c++) {
      if (usedCols.has(c)) continue;
      for (let r = 0; r < 3; r++) {
        if (usedRows.has(r)) continue;
        const v = Math.abs(cols[c][r]);
        if (v > best) {
          best = v;
          bc = c;
          br = r;
        }
      }
    }
    if (best <= 0) break;
    usedCols.add(bc);
    usedRows.add(br);
    const positive = cols[bc][br] > 0;
    result[bc] = positive ? 'RAS'[br] : 'LPI'[br];
  }
  return result.join('');
}

export function identityAffine(): Affine {
  return [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
}

export function multiplyAffine(a: Affine, b: Affine): Affine {
  const out: Affine = [0, 1, 2, 3].map(() => [0, 0, 0, 0]);
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[i][k] * b[k][j];
      out[i][j] = s;
    }
  return out;
}

/** Voxel (i, j, k) → world mm. */
export function voxelToWorld(aff: Affine, ijk: readonly number[]): [number, number, number] {
  const [i, j, k] = ijk;
  return [0, 1, 2].map((r) => aff[r][0] * i + aff[r][1] * j + aff[r][2] * k + aff[r][3]) as [
    number,
    number,
    number,
  ];
}
