import { TesseraError } from '../../errors';
import { gunzip, isGzip } from '../archive/gzip';
import { looksLikeDicom } from '../dicom/dicom-instance';
import { readDicomVolume } from '../dicom/read-dicom';
import { looksLikeNifti, readNifti } from './nifti-reader';
import { isNpy, readNpy } from './npy';
import { looksLikeNrrd, readNrrd } from './nrrd-reader';
import type { Volume, VoxelArray } from './volume';
import { datatypeOf } from './volume';

export const VOLUME_EXTENSIONS = ['.nii', '.nii.gz', '.nrrd', '.npy', '.npy.gz', '.dcm'];

/**
 * Read any supported volume from its bytes; the format is recognised by content (magic numbers), the
 * name is only used in messages. `bytes` may be consumed (views into it can end up in the volume).
 */
export async function readVolume(bytes: Uint8Array, name: string): Promise<Volume> {
  if (bytes.length === 0) throw new TesseraError('truncated-data', name, 'the file is empty');
  let compressed = false;
  if (isGzip(bytes)) {
    bytes = await gunzip(bytes, name);
    compressed = true;
  }
  if (looksLikeNrrd(bytes)) return readNrrd(bytes, name);
  if (isNpy(bytes)) return volumeFromNpy(bytes, name);
  if (looksLikeNifti(bytes)) return readNifti(bytes, name, compressed);
  // One DICOM file: a single slice or an enhanced multi-frame volume (series come through read-dicom).
  if (!compressed && looksLikeDicom(bytes)) return readDicomVolume([{ name, bytes }], name);
  const lower = name.toLowerCase();
  const claimed =
    lower.endsWith('.nii') || lower.endsWith('.nii.gz') ? 'NIfTI' : lower.endsWith('.nrrd') ? 'NRRD' : null;
  if (claimed) {
    throw new TesseraError(
      'bad-magic',
      name,
      `the name says ${claimed} but the content is not ${claimed} (wrong magic number)`,
    );
  }
  throw new TesseraError(
    'unsupported-format',
    name,
    `not a supported volume (expected one of ${VOLUME_EXTENSIONS.join(', ')})`,
  );
}

/** A (z, y, x) or (c, z, y, x) nnU-Net array as a volume: 1 mm voxels, identity affine. */
function volumeFromNpy(bytes: Uint8Array, name: string): Volume {
  const arr = readNpy(bytes, name);
  if (arr.shape.length < 2 || arr.shape.length > 4) {
    throw new TesseraError(
      'unsupported-format',
      name,
      `a .npy volume must have 2 to 4 axes; this one has shape (${arr.shape.join(', ')})`,
    );
  }
  const data = arr.data as VoxelArray;
  const spatial = arr.shape.length === 4 ? arr.shape.slice(1) : arr.shape;
  const shape = spatial.slice().reverse();
  while (shape.length < 3) shape.push(1);
  if (arr.shape.length === 4) shape.push(arr.shape[0]);
  return {
    name,
    data,
    datatype: datatypeOf(data),
    shape,
    spacing: shape.map(() => 1),
    affine: [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ],
    source: {
      format: 'npy',
      datatypeOnDisk: arr.dtype,
      littleEndian: !arr.dtype.startsWith('>'),
      compressed: false,
    },
  };
}
