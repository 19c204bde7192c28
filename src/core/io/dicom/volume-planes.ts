import type { Volume } from '../volume/volume';

const norm = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

/**
 * The SEG's plane geometry from the volume's affine (dcm2niix grid: rows flipped, RAS): the source
 * slices' ImageOrientationPatient, PixelSpacing, and each slice's ImagePositionPatient, in LPS.
 */
export function dicomPlanes(source: Pick<Volume, 'affine' | 'shape'>) {
  const A = source.affine;
  const col = (c: number) => [-A[0][c], -A[1][c], A[2][c]];
  const [cols, rows, n] = source.shape;
  const rowDir = norm(col(0));
  // j counts rows from the bottom: the DICOM column direction is the opposite of the affine's j axis.
  const colDir = norm(col(1)).map((x) => -x);
  const dc = Math.hypot(...col(0));
  const dr = Math.hypot(...col(1));
  const step = Math.hypot(...col(2));
  const positions = Array.from({ length: n }, (_, k) => {
    const p = col(3);
    const j = col(1);
    const kk = col(2);
    return p.map((x, d) => x + (rows - 1) * j[d] + k * kk[d]);
  });
  return { rowDir, colDir, dc, dr, step, positions, rows, cols, n };
}
