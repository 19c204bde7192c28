import { TesseraError } from '../../errors';
import type { DicomSourceInfo, Volume, VoxelArray } from '../volume/volume';
import { allocate, BYTES_PER, MAX_VOLUME_BYTES } from '../volume/volume';
import type { DicomInstance } from './dicom-instance';
import { seriesGeometry } from './geometry';
import { readFrame, storedArrayType } from './pixel-data';
import type { DicomSeries, SliceRef } from './series';

export type ReadProgress = (done: number, total: number) => void;

/** Patient/study attributes a derived object (DICOM-SEG) repeats from its source. */
const PATIENT_STUDY: [string, string][] = [
  ['00080005', 'CS'],
  ['00080020', 'DA'],
  ['00080030', 'TM'],
  ['00080050', 'SH'],
  ['00080090', 'PN'],
  ['00081030', 'LO'],
  ['00100010', 'PN'],
  ['00100020', 'LO'],
  ['00100030', 'DA'],
  ['00100040', 'CS'],
  ['00200010', 'SH'],
];

function patientStudy(inst: DicomInstance): DicomSourceInfo['patientStudy'] {
  const out: DicomSourceInfo['patientStudy'] = [];
  for (const [tag, vr] of PATIENT_STUDY) {
    const el = inst.dataSet.elements[`x${tag}`];
    if (!el) continue;
    // Raw bytes as char codes: the writer puts them back byte for byte, whatever the character set.
    const bytes = inst.dataSet.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
    out.push({ tag, vr, value: String.fromCharCode(...bytes).replace(/[\0 ]+$/, '') });
  }
  return out;
}

/** Slices of an image series: every frame of every instance. */
export function slicesOf(series: DicomSeries): SliceRef[] {
  return series.instances.flatMap((instance) => instance.frames.map((frame) => ({ instance, frame })));
}

/**
 * The series as the project's Volume, on dcm2niix's grid: (columns, rows flipped, slices sorted along the
 * normal), modality values (slope/intercept applied; integer results stay integer, e.g. HU as int16).
 */
export async function readSeriesVolume(
  series: DicomSeries,
  name: string,
  onProgress?: ReadProgress,
): Promise<Volume> {
  const geo = seriesGeometry(slicesOf(series), name);
  const [cols, rows, n] = geo.shape;
  const first = geo.slices[0].instance;
  const stored = storedArrayType(first);
  for (const s of geo.slices)
    if (storedArrayType(s.instance) !== stored)
      throw new TesseraError(
        'bad-header',
        s.instance.file,
        'its pixel format differs from the rest of the series',
      );
  const plane = cols * rows;
  if (plane * n * 4 > MAX_VOLUME_BYTES)
    throw new TesseraError(
      'too-large',
      name,
      `the series is too large to hold in memory (${cols}×${rows}×${n})`,
    );
  const raw = allocate(stored, plane * n);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < n; k++) {
    const { instance, frame } = geo.slices[k];
    const values = await readFrame(instance, frame.index);
    const base = k * plane;
    for (let r = 0; r < rows; r++) {
      // Rows flipped: file row r becomes j = rows - 1 - r (dcm2niix's orientation).
      const src = values.subarray(r * cols, (r + 1) * cols);
      raw.set(src as never, base + (rows - 1 - r) * cols);
      for (let c = 0; c < cols; c++) {
        const v = src[c];
        const s = v * frame.slope + frame.intercept;
        if (s < lo) lo = s;
        if (s > hi) hi = s;
      }
    }
    onProgress?.(k + 1, n);
  }
  const data = rescale(raw, geo.slices, plane, lo, hi);
  const datatype = data === raw ? stored : data instanceof Int16Array ? 'int16' : 'float32';
  const dicom: DicomSourceInfo = {
    studyUid: first.studyUid,
    seriesUid: first.seriesUid,
    frameOfReferenceUid: first.frameOfReferenceUid,
    modality: first.modality,
    seriesDescription: first.seriesDescription,
    seriesNumber: first.seriesNumber,
    slices: geo.slices.map((s) => ({
      sopClassUid: s.instance.sopClassUid,
      sopInstanceUid: s.instance.sopInstanceUid,
      frameNumber: s.instance.numberOfFrames > 1 ? s.frame.index + 1 : null,
    })),
    patientStudy: patientStudy(first),
  };
  return {
    name,
    data,
    datatype,
    shape: [cols, rows, n],
    spacing: geo.spacing,
    affine: geo.affine,
    source: {
      format: 'DICOM',
      datatypeOnDisk: stored,
      littleEndian: true,
      compressed:
        first.transferSyntax !== '1.2.840.10008.1.2' && first.transferSyntax !== '1.2.840.10008.1.2.1',
      sclSlope: geo.slices[0].frame.slope,
      sclInter: geo.slices[0].frame.intercept,
      description: first.seriesDescription,
      dicom,
    },
  };
}

/** Apply each slice's slope/intercept: identity keeps the stored type, integer HU fits int16, else float32. */
function rescale(raw: VoxelArray, slices: SliceRef[], plane: number, lo: number, hi: number): VoxelArray {
  if (slices.every((s) => s.frame.slope === 1 && s.frame.intercept === 0)) return raw;
  const integral = slices.every(
    (s) => Number.isInteger(s.frame.slope) && Number.isInteger(s.frame.intercept),
  );
  const toInt16 = integral && lo >= -32768 && hi <= 32767;
  // Same element size: convert in place when the stored type is 16-bit.
  const out: VoxelArray = toInt16
    ? BYTES_PER[storedArrayTypeOf(raw)] === 2
      ? new Int16Array(raw.buffer, raw.byteOffset, raw.length)
      : new Int16Array(raw.length)
    : new Float32Array(raw.length);
  for (let k = 0; k < slices.length; k++) {
    const { slope, intercept } = slices[k].frame;
    for (let i = k * plane; i < (k + 1) * plane; i++) out[i] = raw[i] * slope + intercept;
  }
  return out;
}

function storedArrayTypeOf(a: VoxelArray): 'uint8' | 'uint16' | 'int16' | 'float32' {
  return a.BYTES_PER_ELEMENT === 1 ? 'uint8' : a.BYTES_PER_ELEMENT === 2 ? 'int16' : 'float32';
}
