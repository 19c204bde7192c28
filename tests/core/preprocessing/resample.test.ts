import { describe, expect, it } from 'vitest';
import { readVolume } from '../../../src/core/io/read-volume';
import { zyxShape } from '../../../src/core/io/volume';
import { resampleDataOrSegToShape } from '../../../src/core/preprocessing/resample';
import { planResample } from '../../../src/core/preprocessing/resample-plan';
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
