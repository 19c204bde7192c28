import { TesseraError } from '../../errors';
import type { Affine } from '../volume/volume';
import { cross } from './dicom-instance';
import type { SliceRef } from './series';

/** A series' slices in volume order and the grid dcm2niix writes for them. */
export interface SeriesGeometry {
  slices: SliceRef[];
  /** columns × rows × slices */
  shape: [number, number, number];
  /** mm: between columns, between rows, between slices */
  spacing: [number, number, number];
  /** RAS+, voxel (i, j, k) with j counted from the last row (dcm2niix flips rows). */
  affine: Affine;
}

const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const fmt = (x: number) => `${Number(x.toFixed(2))}`;

/** Files a person can find: the first two names, then a count. */
function files(slices: SliceRef[]): string {
  const names = [...new Set(slices.map((s) => s.instance.file))];
  return names.length <= 2
    ? names.join(', ')
    : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
}

/**
 * Sort slices along the slice normal and check they form one regular grid, the way dcm2niix builds its
 * NIfTI: spacing between slices from their positions (not SliceThickness), orientation kept (oblique stays
 * oblique), rows flipped so the volume reads bottom-up. A series that would need guessing is refused.
 */
export function seriesGeometry(slicesIn: SliceRef[], name: string): SeriesGeometry {
  let all = slicesIn;
  const first = all[0].instance;
  const sizes = new Map<string, SliceRef[]>();
  for (const s of all) {
    const k = `${s.instance.columns}×${s.instance.rows}`;
    sizes.set(k, [...(sizes.get(k) ?? []), s]);
  }
  if (sizes.size > 1)
    throw new TesseraError(
      'bad-header',
      name,
      `the slices differ in size: ${[...sizes].map(([k, v]) => `${k} (${files(v)})`).join(' vs ')}; not one volume`,
    );
  if (all.length === 1 && !all[0].frame.orientation && !all[0].frame.position) {
    // A lone 2-D image without patient geometry (secondary capture, NM): dcm2niix's default placement.
    const only = all[0];
    const [dr, dc] = only.frame.pixelSpacing ?? [1, 1];
    const { rows, columns } = only.instance;
    const centred = [(-(columns - 1) * dc) / 2, (-(rows - 1) * dr) / 2, 0];
    all = [
      {
        instance: only.instance,
        frame: { ...only.frame, orientation: [1, 0, 0, 0, 1, 0], position: centred, pixelSpacing: [dr, dc] },
      },
    ];
  }
  const ori = all[0].frame.orientation;
  if (ori?.length !== 6)
    throw new TesseraError(
      'bad-header',
      first.file,
      'no ImageOrientationPatient: the slice orientation is unknown',
    );
  for (const s of all) {
    const o = s.frame.orientation;
    if (!o || o.some((x, i) => Math.abs(x - ori[i]) > 1e-4))
      throw new TesseraError(
        'bad-header',
        s.instance.file,
        'its slice orientation differs from the rest of the series (a localizer or a second stack?)',
      );
    if (s.frame.position?.length !== 3)
      throw new TesseraError(
        'bad-header',
        s.instance.file,
        'no ImagePositionPatient: the slice position is unknown',
      );
  }
  const ps = all[0].frame.pixelSpacing;
  if (!ps || ps.length < 2 || !(ps[0] > 0) || !(ps[1] > 0))
    throw new TesseraError('bad-header', first.file, 'no valid PixelSpacing: the voxel size is unknown');
  const row = ori.slice(0, 3);
  const col = ori.slice(3, 6);
  const normal = cross(row, col);
  const slices = [...all].sort(
    (a, b) => dot(a.frame.position as number[], normal) - dot(b.frame.position as number[], normal),
  );
  const n = slices.length;
  const along = slices.map((s) => dot(s.frame.position as number[], normal));
  let step: number[];
  if (n === 1) {
    const t = all[0].frame.sliceSpacing ?? all[0].frame.sliceThickness;
    step = normal.map((x) => x * (t && t > 0 ? t : 1));
  } else {
    const gaps = along.slice(1).map((d, i) => d - along[i]);
    for (let i = 0; i < gaps.length; i++)
      if (gaps[i] < 1e-3)
        throw new TesseraError(
          'bad-header',
          name,
          `two slices lie at the same position (${fmt(along[i])} mm along the normal: ${files([slices[i], slices[i + 1]])}); duplicate slices or several volumes in one series`,
        );
    const sorted = [...gaps].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    const tol = Math.max(0.02, 0.01 * median);
    for (let i = 0; i < gaps.length; i++) {
      if (Math.abs(gaps[i] - median) <= tol) continue;
      const ratio = gaps[i] / median;
      if (Math.abs(ratio - Math.round(ratio)) < 0.05 && Math.round(ratio) >= 2)
        throw new TesseraError(
          'bad-header',
          name,
          `${Math.round(ratio) - 1} slice(s) missing between ${fmt(along[i])} and ${fmt(along[i + 1])} mm (gap ${fmt(gaps[i])} mm, spacing ${fmt(median)} mm)`,
        );
      throw new TesseraError(
        'bad-header',
        name,
        `the slice spacing is not uniform (${fmt(sorted[0])} to ${fmt(sorted[sorted.length - 1])} mm); not one regular volume`,
      );
    }
    const p0 = slices[0].frame.position as number[];
    const pn = slices[n - 1].frame.position as number[];
    step = p0.map((x, d) => (pn[d] - x) / (n - 1));
    const len = Math.hypot(...step);
    const sin = Math.hypot(
      ...cross(
        step.map((x) => x / len),
        normal,
      ),
    );
    if (sin > 1e-3) {
      const tilt = first.gantryTilt || (Math.asin(Math.min(1, sin)) * 180) / Math.PI;
      throw new TesseraError(
        'unsupported-format',
        name,
        `the slices are sheared (gantry tilt ${fmt(tilt)}°): a tilted CT is not a rectangular grid; reconstruct it without tilt or correct it first (e.g. dcm2niix makes a "_Tilt" file)`,
      );
    }
  }
  const rows = first.rows;
  const dr = ps[0];
  const dc = ps[1];
  const p0 = slices[0].frame.position as number[];
  // LPS columns of the grid, rows flipped (dcm2niix): j runs from the last row up.
  const ci = row.map((x) => x * dc);
  const cj = col.map((x) => -x * dr);
  const origin = p0.map((x, d) => x + (rows - 1) * col[d] * dr);
  const toRas = [-1, -1, 1];
  const affine: Affine = [0, 1, 2].map((r) => [
    toRas[r] * ci[r],
    toRas[r] * cj[r],
    toRas[r] * step[r],
    toRas[r] * origin[r],
  ]);
  affine.push([0, 0, 0, 1]);
  return { slices, shape: [first.columns, rows, n], spacing: [dc, dr, Math.hypot(...step)], affine };
}
