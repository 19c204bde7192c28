import { type BBox3, bboxOfMask, bboxShape, nonzeroMask, type Shape3 } from '../preprocessing/crop';
import { computeNewShape } from '../resampling/resample-plan';
import { computeSteps, tileOrigins } from './sliding-window';

/** A box in the scan's own (z, y, x) voxel coordinates, [start, stop) per axis. */
export type VoxelBox = [[number, number], [number, number], [number, number]];

export interface TileGrid {
  /** tiles in the scan's voxel space, nnU-Net's order */
  tiles: VoxelBox[];
  /** the tile nearest the centre, drawn as "the patch" */
  centreTile: number;
  /** network evaluations without and with mirroring TTA */
  evaluations: { plain: number; mirrored: number };
  /** the preprocessed (network) grid the tiles live on */
  networkShape: number[];
}

/** nnU-Net's crop box of a scan (nonzero region, holes filled): computed once, then tiles re-plan cheaply. */
export function cropBox(channels: ArrayLike<number>[], zyxShape: Shape3): BBox3 {
  return bboxOfMask(nonzeroMask(channels, zyxShape), zyxShape);
}

/**
 * Where nnU-Net's sliding-window tiles fall on a scan, for drawing: the scan is (virtually) transposed,
 * cropped to its nonzero region, resampled to the configuration's spacing and padded to the patch, as the
 * predictor does; each tile is then mapped back to the scan's voxels. 2-D configurations tile each
 * slice along the first (transposed) axis: their boxes are one network slice deep.
 */
export function tileGrid(
  channels: ArrayLike<number>[],
  zyxShape: Shape3,
  zyxSpacing: readonly number[],
  config: TileGridConfig,
): TileGrid {
  return tileGridInBox(cropBox(channels, zyxShape), zyxShape, zyxSpacing, config);
}

export interface TileGridConfig {
  spacing: number[];
  patchSize: number[];
  transposeForward: number[];
  tileStepSize?: number;
  mirrorAxes?: number;
}

/** tileGrid once the crop box is known (cropBox, computed once per scan): arithmetic only, no voxel pass. */
export function tileGridInBox(
  bbox: BBox3,
  zyxShape: Shape3,
  zyxSpacing: readonly number[],
  config: TileGridConfig,
): TileGrid {
  const tf = config.transposeForward;
  const cropped = bboxShape(bbox);
  const tCropped = tf.map((a) => cropped[a]);
  const tSpacing = tf.map((a) => zyxSpacing[a]);
  const target = config.spacing.length === 3 ? config.spacing : [tSpacing[0], ...config.spacing];
  const network = computeNewShape(tCropped, tSpacing, target);
  const is2d = config.patchSize.length === 2;
  const patch = is2d ? [1, ...config.patchSize] : config.patchSize;
  const padded = network.map((s, d) => Math.max(s, patch[d]));
  const below = network.map((s, d) => Math.floor((padded[d] - s) / 2));
  const steps = is2d
    ? [
        Array.from({ length: padded[0] }, (_, z) => z),
        ...computeSteps(padded.slice(1), config.patchSize, config.tileStepSize ?? 0.5),
      ]
    : computeSteps(padded, patch, config.tileStepSize ?? 0.5);
  // network voxel → scan voxel, per transposed axis
  const scale = tCropped.map((n, d) => n / network[d]);
  const tiles: VoxelBox[] = tileOrigins(steps).map((origin) => {
    const t = origin.map((o, d) => {
      const lo = Math.max(0, (o - below[d]) * scale[d]);
      const hi = Math.min(tCropped[d], (o - below[d] + patch[d]) * scale[d]);
      return [Math.floor(lo), Math.ceil(hi)] as [number, number];
    });
    // undo the transpose: scan axis a is transposed axis tf.indexOf(a)
    return [0, 1, 2].map((a) => {
      const r = t[tf.indexOf(a)];
      return [r[0] + bbox[a][0], r[1] + bbox[a][0]];
    }) as VoxelBox;
  });
  const centre = zyxShape.map((n) => n / 2);
  let centreTile = 0;
  let best = Number.POSITIVE_INFINITY;
  tiles.forEach((b, i) => {
    const d = b.reduce((s, [lo, hi], a) => s + ((lo + hi) / 2 - centre[a]) ** 2, 0);
    if (d < best) {
      best = d;
      centreTile = i;
    }
  });
  const plain = tiles.length;
  return {
    tiles,
    centreTile,
    evaluations: { plain, mirrored: plain * 2 ** (config.mirrorAxes ?? (is2d ? 2 : 3)) },
    networkShape: network,
  };
}

/**
 * A label volume (file order = (z, y, x) C order) drawing the tiles as box outlines (value 2) and the
 * centre tile — "the patch" — as value 1 on top. Each box is drawn as its shell, so any orthogonal
 * slice through it shows its rectangle.
 */
export function rasterizeTiles(
  grid: TileGrid,
  zyxShape: Shape3,
  options: { grid: boolean; patch: boolean },
): Uint8Array {
  const [Z, Y, X] = zyxShape;
  const out = new Uint8Array(Z * Y * X);
  const draw = (b: VoxelBox, value: number) => {
    const [[z0, z1], [y0, y1], [x0, x1]] = b;
    for (let z = z0; z < z1; z++)
      for (let y = y0; y < y1; y++) {
        const onZ = z === z0 || z === z1 - 1;
        const onY = y === y0 || y === y1 - 1;
        const row = (z * Y + y) * X;
        if (onZ || onY) for (let x = x0; x < x1; x++) out[row + x] = value;
        else {
          out[row + x0] = value;
          out[row + x1 - 1] = value;
        }
      }
  };
  if (options.grid) for (const [i, b] of grid.tiles.entries()) if (i !== grid.centreTile) draw(b, 2);
  if (options.patch && grid.tiles.length > 0) draw(grid.tiles[grid.centreTile], 1);
  return out;
}
