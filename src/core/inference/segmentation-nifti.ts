import { geometryFromAffine, writeNifti } from '../io/volume/nifti-writer';
import type { Affine } from '../io/volume/volume';

/**
 * A segmentation written as nnU-Net's image writers write one from a properties dict: NibabelIO makes
 * `Nifti1Image(seg, affine)` (sform code 2 "aligned", qform code 0), SimpleITKIO an ITK image (both forms,
 * code 1 "scanner"). `labels` is in nnU-Net's (z, y, x) order, i.e. the NIfTI voxel buffer.
 */
export function segmentationNifti(
  labels: Uint8Array | Uint16Array,
  shapeZyx: readonly number[],
  affine: Affine,
  readerWriter: string,
  compress = true,
): Promise<Uint8Array> {
  const zooms = [0, 1, 2].map((c) => Math.hypot(affine[0][c], affine[1][c], affine[2][c]));
  const nifti = geometryFromAffine(affine, zooms);
  if (!readerWriter.startsWith('SimpleITKIO')) {
    nifti.sformCode = 2;
    nifti.qformCode = 0;
    nifti.xyztUnits = 0;
  }
  return writeNifti({
    data: labels,
    shape: [...shapeZyx].reverse(),
    like: {
      affine,
      spacing: zooms,
      source: { format: 'NIfTI-1', datatypeOnDisk: 'uint8', littleEndian: true, compressed: compress, nifti },
    },
    compress,
  });
}
