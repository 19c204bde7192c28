import { axisCodes } from './affine';
import type { Volume } from './volume';
import { frameCount, minMax } from './volume';

/** Header facts as the header panel and `tessera info` show them. Shape and spacing in file order. */
export interface VolumeInfo {
  name: string;
  format: string;
  shape: number[];
  spacing: number[];
  datatype: string;
  datatype_on_disk: string;
  endianness: 'little' | 'big';
  axis_codes: string;
  affine: number[][];
  min: number;
  max: number;
  mean: number;
  frames: number;
  qform_code?: number;
  sform_code?: number;
  scl_slope?: number;
  scl_inter?: number;
}

export function volumeInfo(v: Volume): VolumeInfo {
  const [min, max] = minMax(v.data);
  let sum = 0;
  for (let i = 0; i < v.data.length; i++) sum += v.data[i];
  const info: VolumeInfo = {
    name: v.name,
    format: v.source.format,
    shape: v.shape,
    spacing: v.spacing,
    datatype: v.datatype,
    datatype_on_disk: v.source.datatypeOnDisk,
    endianness: v.source.littleEndian ? 'little' : 'big',
    axis_codes: axisCodes(v.affine),
    affine: v.affine,
    min,
    max,
    mean: sum / v.data.length,
    frames: frameCount(v),
  };
  if (v.source.nifti) {
    info.qform_code = v.source.nifti.qformCode;
    info.sform_code = v.source.nifti.sformCode;
    info.scl_slope = v.source.sclSlope;
    info.scl_inter = v.source.sclInter;
  }
  return info;
}

/**
 * Hounsfield units: signed values reaching air (-1000; scanners pad with -1024 … -3024). An MR whose
 * reconstruction left negative values (nibabel's anatomical example reaches -610) is not CT: the
 * threshold sits near air, not halfway to it. Window presets and "HU" then make sense.
 */
export function looksLikeCT(info: Pick<VolumeInfo, 'min' | 'max' | 'datatype'>): boolean {
  return info.min <= -900 && info.max >= 100 && info.datatype !== 'uint8' && info.datatype !== 'uint16';
}

const LABEL_NAME_HINT =
  /(^|[_\-.\s])(seg|segmentation|label|labels|labelmap|mask|annotation|gt|truth)([_\-.\s]|$)/i;

/**
 * A label map rather than an image: integer voxels, and the file says so (NIFTI_INTENT_LABEL), its name
 * does, or it holds only a handful of distinct values.
 */
export function looksLikeLabelMap(v: Volume): boolean {
  if (v.datatype === 'float32' || v.datatype === 'float64') return false;
  if (v.source.intentCode === 1002) return true;
  if (LABEL_NAME_HINT.test(v.name.replace(/\.(nii|nrrd|npy)(\.gz)?$/i, ''))) return true;
  const seen = new Set<number>();
  for (let i = 0; i < v.data.length; i += 7) {
    seen.add(v.data[i]);
    if (seen.size > 32) return false;
  }
  return seen.size <= 32 && seen.has(0);
}
