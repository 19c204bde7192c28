import type { ClassLocations } from '../preprocessing/class-locations';

/** A preprocessed training case in memory, as nnU-Net's dataset holds it (data, seg, class locations). */
export interface TrainingCase {
  id: string;
  /** one (z, y, x) float32 array per channel */
  data: Float32Array[];
  /** labels, −1 outside the nonzero mask */
  seg: Int16Array;
  /** (z, y, x); 2-D configurations read slices of it */
  shape: [number, number, number];
  /** class key → sampled (0, z, y, x) locations, 4 numbers each */
  classLocations: ClassLocations;
}
