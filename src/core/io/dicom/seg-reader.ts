import { TesseraError } from '../../errors';
import type { Volume } from '../volume/volume';
import { dicomLabToRgb } from './cielab';
import { cross, type DicomInstance } from './dicom-instance';
import type { DataSet } from './dicom-parser-module';
import { SOP_CLASS } from './sop-classes';
import { dicomPlanes } from './volume-planes';

export interface SegSegmentInfo {
  /** SegmentNumber, which is also the label value in the map read back. */
  number: number;
  label: string;
  /** sRGB from RecommendedDisplayCIELabValue, when the SEG gives one. */
  color?: [number, number, number];
  typeMeaning?: string;
}

export interface SegOverImage {
  /** uint8 (uint16 past 255 segments) label map on the image's grid: the segment number per voxel. */
  labels: Volume;
  segments: SegSegmentInfo[];
  /** Voxels claimed by two segments (the later segment number is kept). */
  overlapVoxels: number;
}

const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

function numbers(ds: DataSet | undefined, tag: string): number[] | null {
  const raw = ds?.string(tag);
  if (!raw) return null;
  const v = raw.split('\\').map(Number);
  return v.every(Number.isFinite) ? v : null;
}

function firstItem(ds: DataSet | undefined, tag: string): DataSet | undefined {
  return ds?.elements[tag]?.items?.[0]?.dataSet;
}

/** A functional group attribute, per frame first, then shared. */
function group(perFrame: DataSet | undefined, shared: DataSet | undefined, seq: string): DataSet | undefined {
  return firstItem(perFrame, seq) ?? firstItem(shared, seq);
}

function segmentsOf(ds: DataSet): SegSegmentInfo[] {
  return (ds.elements.x00620002?.items ?? []).map((it) => {
    const s = it.dataSet as DataSet;
    const lab = numbers(s, 'x0062000d');
    const info: SegSegmentInfo = {
      number: s.uint16('x00620004') ?? 0,
      label: s.string('x00620005') ?? '',
    };
    if (lab?.length === 3) info.color = dicomLabToRgb(lab);
    else {
      const lab16 = [0, 1, 2].map((i) => s.uint16('x0062000d', i));
      if (lab16.every((x) => x !== undefined)) info.color = dicomLabToRgb(lab16 as number[]);
    }
    const meaning = firstItem(s, 'x0062000f')?.string('x00080104');
    if (meaning) info.typeMeaning = meaning;
    return info;
  });
}

/**
 * A DICOM-SEG read over the image volume it segments: each frame is placed on the slice at its
 * ImagePositionPatient (the SEG must share the image's orientation and in-plane grid), BINARY frames as is,
 * FRACTIONAL ones above half their maximum.
 */
export function readSegOverImage(seg: DicomInstance, image: Volume): SegOverImage {
  const file = seg.file;
  if (seg.sopClassUid !== SOP_CLASS.segmentation)
    throw new TesseraError('bad-argument', file, 'not a DICOM-SEG (Segmentation Storage) object');
  const ds = seg.dataSet;
  const type = ds.string('x00620001') ?? '';
  if (type !== 'BINARY' && type !== 'FRACTIONAL')
    throw new TesseraError(
      'unsupported-format',
      file,
      `SegmentationType ${type || '(none)'} is not supported`,
    );
  const pixel = ds.elements.x7fe00010;
  if (!pixel || pixel.encapsulatedPixelData)
    throw new TesseraError('unsupported-format', file, 'compressed DICOM-SEG pixel data is not supported');
  const g = dicomPlanes(image);
  if (seg.rows !== g.rows || seg.columns !== g.cols)
    throw new TesseraError(
      'grid-mismatch',
      file,
      `its frames are ${seg.columns}×${seg.rows} but the image ${image.name} is ${g.cols}×${g.rows}`,
    );
  const shared = ds.elements.x52009229?.items?.[0]?.dataSet;
  const perFrame = ds.elements.x52009230?.items ?? [];
  const frames = perFrame.length || seg.numberOfFrames;
  const normal = cross(g.rowDir, g.colDir);
  const along = g.positions.map((p) => dot(p, normal));
  const plane = g.rows * g.cols;
  const frameBits = plane * (type === 'BINARY' ? 1 : 8);
  const bytes = ds.byteArray;
  if (pixel.length * 8 < frames * frameBits || pixel.dataOffset + pixel.length > bytes.length)
    throw new TesseraError('truncated-data', file, `the pixel data is shorter than its ${frames} frames`);
  const segments = segmentsOf(ds);
  const maxNumber = Math.max(1, ...segments.map((s) => s.number));
  const out = maxNumber > 255 ? new Uint16Array(plane * g.n) : new Uint8Array(plane * g.n);
  const maxFractional = ds.uint16('x00620014') ?? 255;
  let overlapVoxels = 0;
  for (let f = 0; f < frames; f++) {
    const item = perFrame[f]?.dataSet;
    const ori = numbers(group(item, shared, 'x00209116'), 'x00200037');
    const planeDirs = [...g.rowDir, ...g.colDir];
    if (ori?.some((x, i) => Math.abs(x - planeDirs[i]) > 1e-3))
      throw new TesseraError(
        'grid-mismatch',
        file,
        `frame ${f + 1} is not in the plane of the image ${image.name}`,
      );
    const pos = numbers(group(item, shared, 'x00209113'), 'x00200032');
    if (!pos) throw new TesseraError('bad-header', file, `frame ${f + 1} has no ImagePositionPatient`);
    const d = dot(pos, normal);
    let k = 0;
    for (let i = 1; i < along.length; i++) if (Math.abs(along[i] - d) < Math.abs(along[k] - d)) k = i;
    const inPlane = pos.map((x, i) => x - g.positions[k][i]);
    if (
      Math.abs(along[k] - d) > Math.max(0.01, 0.05 * g.step) ||
      Math.hypot(...inPlane) > 0.05 * Math.min(g.dc, g.dr)
    )
      throw new TesseraError(
        'grid-mismatch',
        file,
        `frame ${f + 1} does not lie on a slice of the image ${image.name}`,
      );
    const number = group(item, shared, 'x0062000a')?.uint16('x0062000b');
    if (!number) throw new TesseraError('bad-header', file, `frame ${f + 1} names no segment`);
    for (let r = 0; r < g.rows; r++) {
      // SEG rows are DICOM rows; the volume counts rows from the bottom.
      const base = k * plane + (g.rows - 1 - r) * g.cols;
      for (let c = 0; c < g.cols; c++) {
        const p = f * plane + r * g.cols + c;
        const on =
          type === 'BINARY'
            ? (bytes[pixel.dataOffset + (p >> 3)] >> (p & 7)) & 1
            : bytes[pixel.dataOffset + p] > maxFractional / 2;
        if (!on) continue;
        if (out[base + c] !== 0 && out[base + c] !== number) overlapVoxels++;
        out[base + c] = number;
      }
    }
  }
  return {
    labels: {
      name: file,
      data: out,
      datatype: out instanceof Uint16Array ? 'uint16' : 'uint8',
      shape: image.shape.slice(0, 3),
      spacing: image.spacing.slice(0, 3),
      affine: image.affine.map((r) => r.slice()),
      source: {
        format: 'DICOM',
        datatypeOnDisk: type === 'BINARY' ? 'bit' : 'uint8',
        littleEndian: true,
        compressed: false,
        intentCode: 1002,
        description: ds.string('x0008103e') ?? 'DICOM-SEG',
      },
    },
    segments,
    overlapVoxels,
  };
}

/** The image series a SEG refers to (ReferencedSeriesSequence), '' when it names none. */
export function segReferencedSeries(seg: DicomInstance): string {
  return firstItem(seg.dataSet, 'x00081115')?.string('x0020000e') ?? '';
}
