import { describe, expect, it } from 'vitest';
import { readVolume } from '../../../src/core/io/volume/read-volume';
import { zyxShape } from '../../../src/core/io/volume/volume';
import type { Shape3 } from '../../../src/core/preprocessing/crop';
import {
  type ResampleSpec,
  resampleChannel,
  resampleDataOrSegToShape,
} from '../../../src/core/resampling/resample';
import { resampleData } from '../../../src/core/resampling/resample-data';
import {
  computeNewShape,
  planResample,
  roundHalfEven,
  separateZAxis,
} from '../../../src/core/resampling/resample-plan';
import { resampleDataStreaming } from '../../../src/core/resampling/resample-stream';
import { fixtureJson, fixtureNpy } from '../../helpers/fixtures';
import { referenceNpy, sharedBytes, sharedJson } from '../../helpers/shared';

interface ResampleCase {
  case: number;
  input: string;
  input_dtype_passed: 'float32' | 'int16';
  input_shape_czyx: number[];
  current_spacing_zyx: number[];
  new_spacing_zyx: number[];
  new_shape: number[];
  is_seg: boolean;
  order: number;
  order_z: number;
  force_separate_z: boolean | null;
  do_separate_z: boolean;
  axis: number | null;
  output_dtype: string;
  output_file: string;
  output_mean_fp64: number;
}

const cases = sharedJson<{ resample_data_or_seg_to_shape: ResampleCase[] }>(
  'reference/units/crop_resample_cases.json',
).resample_data_or_seg_to_shape;

/** Input paths are given relative to shared/; one NRRD was passed through a NIfTI conversion. */
function inputPath(input: string): string {
  const m = input.match(/^nrrd->nifti (\S+)$/);
  if (m) return `data/volumes/nrrd/${m[1]}.nrrd`;
  return input.replace(/^shared\//, '');
}

describe('resample_data_or_seg_to_shape against nnU-Net', () => {
  for (const c of cases) {
    it(`case ${c.case}: ${c.is_seg ? 'seg' : 'data'} order ${c.order}${c.do_separate_z ? ` separate-z axis ${c.axis}` : ''}`, async () => {
      const path = inputPath(c.input);
      const v = await readVolume(sharedBytes(path), path);
      const shape = zyxShape(v);
      expect([1, ...shape]).toEqual(c.input_shape_czyx);
      const kwargs = {
        is_seg: c.is_seg,
        order: c.order,
        order_z: c.order_z,
        force_separate_z: c.force_separate_z,
      };
      const spec = planResample(shape, c.new_shape, c.current_spacing_zyx, c.new_spacing_zyx, kwargs);
      expect(spec.axis).toBe(c.do_separate_z ? c.axis : null);

      const input = c.input_dtype_passed === 'int16' ? Int16Array.from(v.data) : Float32Array.from(v.data);
      const [out] = resampleDataOrSegToShape(
        [input],
        shape,
        c.new_shape,
        c.current_spacing_zyx,
        c.new_spacing_zyx,
        kwargs,
      );
      const ref = await referenceNpy(`reference/units/${c.output_file}`);
      expect(ref.shape).toEqual([1, ...c.new_shape]);
      expect(out.length).toBe(ref.data.length);
      if (c.is_seg) {
        expect(out).toBeInstanceOf(Int16Array);
        let mismatches = 0;
        for (let i = 0; i < out.length; i++) if (out[i] !== ref.data[i]) mismatches++;
        expect(mismatches).toBe(0);
      } else {
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        let maxDiff = 0;
        let sum = 0;
        for (let i = 0; i < out.length; i++) {
          const r = ref.data[i];
          lo = Math.min(lo, r);
          hi = Math.max(hi, r);
          maxDiff = Math.max(maxDiff, Math.abs(out[i] - r));
          sum += out[i];
        }
        // float32 work arrays against nnU-Net's float64: a few float32 ulps, far inside 1e-4 of the range
        expect(maxDiff / (hi - lo)).toBeLessThan(1e-6);
        expect(sum / out.length).toBeCloseTo(c.output_mean_fp64, 3);
      }
    });
  }
});

interface FixtureCase {
  name: string;
  shape: Shape3;
  new_shape: Shape3;
  order: number;
  order_z: number;
  axis: 0 | 1 | 2 | null;
  is_seg: boolean;
}

describe('resampling fixtures (nnU-Net semantics on scipy/skimage, scripts/fixtures/preprocessing.py)', () => {
  for (const c of fixtureJson<FixtureCase[]>('preprocessing/resample/cases.json')) {
    it(c.name, () => {
      const input = fixtureNpy(`preprocessing/resample/${c.name}_in.npy`).data;
      const ref = fixtureNpy(`preprocessing/resample/${c.name}_out.npy`).data;
      const spec: ResampleSpec = {
        inShape: c.shape,
        outShape: c.new_shape,
        isSeg: c.is_seg,
        order: c.order,
        orderZ: c.order_z,
        axis: c.axis,
      };
      const out = resampleChannel(c.is_seg ? Int16Array.from(input) : Float32Array.from(input), spec);
      expect(out.length).toBe(ref.length);
      if (c.is_seg) {
        let mismatches = 0;
        for (let i = 0; i < ref.length; i++) if (out[i] !== ref[i]) mismatches++;
        expect(mismatches).toBe(0);
        return;
      }
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      let maxDiff = 0;
      for (let i = 0; i < ref.length; i++) {
        lo = Math.min(lo, ref[i]);
        hi = Math.max(hi, ref[i]);
        maxDiff = Math.max(maxDiff, Math.abs(out[i] - ref[i]));
      }
      // linear and nearest are exact; splines are within a few float32 ulps
      if (c.order <= 1 && (c.axis === null || c.order_z <= 1)) expect(maxDiff).toBe(0);
      else expect(maxDiff / (hi - lo)).toBeLessThan(1e-6);
    });
  }

  it('streams the default image resampling (in-place z prefilter, slabs) to the same values', () => {
    for (const name of ['cubic_up', 'cubic_down', 'cubic_sepz_axis0']) {
      const c = fixtureJson<FixtureCase[]>('preprocessing/resample/cases.json').find((x) => x.name === name)!;
      const input = Float32Array.from(fixtureNpy(`preprocessing/resample/${c.name}_in.npy`).data);
      const spec: ResampleSpec = {
        inShape: c.shape,
        outShape: c.new_shape,
        isSeg: false,
        order: c.order,
        orderZ: c.order_z,
        axis: c.axis,
      };
      const whole = resampleData(input, spec);
      const streamed = resampleDataStreaming({ data: input.slice() }, spec);
      let maxDiff = 0;
      for (let i = 0; i < whole.length; i++) maxDiff = Math.max(maxDiff, Math.abs(whole[i] - streamed[i]));
      expect(maxDiff).toBeLessThan(1e-3); // values ~±120: float32 rounding only
    }
  });
});

describe('resampling decisions', () => {
  it("rounds new shapes like Python's round()", () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 3]);
    expect(computeNewShape([30, 101, 122], [3, 3, 3], [2.9, 3.7, 3.3])).toEqual([31, 82, 111]);
    expect(computeNewShape([5, 10, 10], [1, 1, 1], [2, 4, 4])).toEqual([2, 2, 2]);
  });

  it('picks the separate axis as nnU-Net does', () => {
    expect(separateZAxis(null, [3, 3, 3], [3, 3, 3])).toBeNull();
    expect(separateZAxis(null, [5, 1, 1], [1, 1, 1])).toBe(0);
    expect(separateZAxis(null, [1, 1, 1], [1, 4, 1])).toBe(1);
    expect(separateZAxis(null, [1, 1, 3.01], [1, 1, 1])).toBe(2);
    expect(separateZAxis(null, [4, 4, 1], [1, 1, 1])).toBeNull(); // two coarsest axes: no single one
    expect(separateZAxis(true, [2, 1, 1], [1, 1, 1])).toBe(0);
    expect(separateZAxis(false, [9, 1, 1], [1, 1, 1])).toBeNull();
  });
});
