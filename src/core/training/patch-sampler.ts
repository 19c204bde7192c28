/**
 * nnU-Net's nnUNetDataLoader for in-memory cases: cases drawn with replacement, the last
 * round(batch · 0.33) samples of each batch forced to contain foreground (a random class that has
 * locations, a random location of it, the patch centred there), the others placed uniformly; regions
 * outside the image padded with 0 (data) and −1 (seg), exactly as get_bbox and crop_and_pad_nd do.
 * 2-D configurations sample one slice (patch depth 1).
 */
import { Rng } from '../engine/random';
import type { TrainingCase } from './training-case';

export interface Batch {
  /** [b, c, d, h, w] */
  data: Float32Array;
  /** [b, 1, d, h, w], −1 outside images */
  seg: Int16Array;
  /** (d, h, w) of each sample */
  patch: [number, number, number];
  caseIds: string[];
}

export class PatchSampler {
  private readonly rng: Rng;

  constructor(
    private readonly cases: readonly TrainingCase[],
    /** (d, h, w) sampled (the network patch, or larger when a spatial transform follows) */
    readonly patch: [number, number, number],
    readonly batchSize: number,
    readonly oversampleForeground = 0.33,
    seed = 12345,
  ) {
    if (cases.length === 0) throw new Error('no training cases');
    this.rng = new Rng(seed);
  }

  /** nnU-Net's _oversample_last_XX_percent. */
  forceForeground(sampleIndex: number): boolean {
    return !(sampleIndex < Math.round(this.batchSize * (1 - this.oversampleForeground)));
  }

  /** Lower corner of the patch in the case (may be negative or overhang: padded). */
  bbox(c: TrainingCase, forceFg: boolean): [number, number, number] {
    const lbs: number[] = [];
    const ubs: number[] = [];
    for (let d = 0; d < 3; d++) {
      const need = Math.max(0, this.patch[d] - c.shape[d]);
      lbs.push(-Math.floor(need / 2));
      ubs.push(c.shape[d] + Math.floor(need / 2) + (need % 2) - this.patch[d]);
    }
    const random = () => lbs.map((lb, d) => lb + this.rng.int(ubs[d] - lb + 1)) as [number, number, number];
    if (!forceFg) return random();
    const eligible = Object.values(c.classLocations).filter((l) => l.length > 0);
    if (eligible.length === 0) return random();
    const locs = eligible[this.rng.int(eligible.length)];
    const k = this.rng.int(locs.length / 4);
    return [0, 1, 2].map((d) => Math.max(lbs[d], locs[4 * k + 1 + d] - Math.floor(this.patch[d] / 2))) as [
      number,
      number,
      number,
    ];
  }

  next(): Batch {
    const [pd, ph, pw] = this.patch;
    const pvol = pd * ph * pw;
    const channels = this.cases[0].data.length;
    const data = new Float32Array(this.batchSize * channels * pvol);
    const seg = new Int16Array(this.batchSize * pvol).fill(-1);
    const caseIds: string[] = [];
    for (let j = 0; j < this.batchSize; j++) {
      const c = this.cases[this.rng.int(this.cases.length)];
      caseIds.push(c.id);
      const lb = this.bbox(c, this.forceForeground(j));
      const [D, H, W] = c.shape;
      for (let z = 0; z < pd; z++) {
        const sz = lb[0] + z;
        if (sz < 0 || sz >= D) continue;
        for (let y = 0; y < ph; y++) {
          const sy = lb[1] + y;
          if (sy < 0 || sy >= H) continue;
          const x0 = Math.max(0, -lb[2]);
          const x1 = Math.min(pw, W - lb[2]);
          if (x1 <= x0) continue;
          const src = (sz * H + sy) * W + lb[2];
          const dst = (z * ph + y) * pw;
          for (let ch = 0; ch < channels; ch++)
            data.set(c.data[ch].subarray(src + x0, src + x1), (j * channels + ch) * pvol + dst + x0);
          seg.set(c.seg.subarray(src + x0, src + x1), j * pvol + dst + x0);
        }
      }
    }
    return { data, seg, patch: [pd, ph, pw], caseIds };
  }
}
