import { TesseraError } from '../../errors';
import { labelColor } from '../volume/label-colors';
import type { Volume, VoxelArray } from '../volume/volume';
import { sameGrid } from '../volume/volume';
import { rgbToDicomLab } from './cielab';
import type { DicomItem } from './dicom-writer';
import { el, encodePart10 } from './dicom-writer';
import type { CodedConcept } from './segment-codes';
import { segmentCodes } from './segment-codes';
import { SOP_CLASS } from './sop-classes';
import { isValidUid, newUid } from './uid';
import { dicomPlanes } from './volume-planes';

export interface SegSegment {
  /** Label value in the label map. */
  label: number;
  /** As the model's dataset.json names it. */
  name: string;
  /** sRGB; the page's colour for the label when absent. */
  color?: [number, number, number];
}

export interface DicomSegOptions {
  /** Every label the model knows (background excluded); only those present in the map become segments. */
  segments: SegSegment[];
  /** The algorithm: the model's name (SegmentAlgorithmName). */
  modelName: string;
  algorithmVersion?: string;
  seriesDescription?: string;
  seriesNumber?: number;
  /** Fixed date/time (tests); now when absent. */
  now?: Date;
}

export interface DicomSegResult {
  bytes: Uint8Array;
  /** Source attributes that were blank and had to be generated (the SEG then references new UIDs). */
  generated: string[];
  /** Label values written as segments 1, 2, …, in that order. */
  labels: number[];
  frames: number;
  sopInstanceUid: string;
  seriesUid: string;
}

const TESSERA_VERSION = '0.1.0';
/** Tessera's implementation class UID: a fixed 2.25 UUID-derived value. */
const IMPLEMENTATION_CLASS_UID = '2.25.183146934839046211213196640302428937519';

const code = (c: CodedConcept): DicomItem => [
  el(0x00080100, 'SH', c.value),
  el(0x00080102, 'SH', c.scheme),
  el(0x00080104, 'LO', c.meaning),
];

const dcm = (value: string, meaning: string): DicomItem => code({ value, scheme: 'DCM', meaning });

function dateTime(d: Date): { date: string; time: string } {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return {
    date: `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}`,
    time: `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`,
  };
}

/**
 * Write a label map (on its DICOM scan's grid) as a DICOM Segmentation Storage object: BINARY, one segment
 * per label present, AUTOMATIC with the model's name, SNOMED CT codes, CIELab colours matching the page,
 * frames only where a segment is present, referencing the source study, series, instances and frame of
 * reference (PS3.3 A.51).
 */
export function writeDicomSeg(
  labels: Pick<Volume, 'data' | 'shape' | 'affine' | 'name'>,
  source: Volume,
  options: DicomSegOptions,
): DicomSegResult {
  const info = source.source.dicom;
  if (!info)
    throw new TesseraError(
      'bad-argument',
      source.name,
      'the scan was not read from DICOM, so a DICOM-SEG has no series to reference; save as NIfTI instead',
    );
  if (!sameGrid(source, labels))
    throw new TesseraError(
      'grid-mismatch',
      labels.name,
      'the segmentation is not on the grid of its DICOM scan',
    );
  const g = dicomPlanes(source);
  const plane = g.rows * g.cols;
  const present = presentSlices(labels.data, plane, g.n);
  const known = new Map(options.segments.map((s) => [s.label, s]));
  const written = [...present.keys()].filter((v) => v !== 0).sort((a, b) => a - b);
  if (!written.length)
    throw new TesseraError(
      'bad-argument',
      labels.name,
      'the segmentation is empty: there is nothing to export',
    );

  const generated: string[] = [];
  const uidOr = (uid: string, what: string) => {
    if (uid && isValidUid(uid)) return uid;
    generated.push(what);
    return newUid();
  };
  const studyUid = uidOr(info.studyUid, 'StudyInstanceUID');
  const sourceSeriesUid = uidOr(info.seriesUid, 'SeriesInstanceUID (of the source series)');
  const frameOfReferenceUid = uidOr(info.frameOfReferenceUid, 'FrameOfReferenceUID');
  let blankInstances = 0;
  const slices = info.slices.map((s) => {
    if (s.sopInstanceUid && isValidUid(s.sopInstanceUid)) return s;
    blankInstances++;
    return { ...s, sopInstanceUid: newUid() };
  });
  if (blankInstances) generated.push(`SOPInstanceUID of ${blankInstances} source slice(s)`);
  const sopInstanceUid = newUid();
  const seriesUid = newUid();
  const { date, time } = dateTime(options.now ?? new Date());

  // Segments: number s+1 for the s-th label present.
  const segmentItems: DicomItem[] = written.map((label, s) => {
    const seg = known.get(label);
    const name = seg?.name ?? `label ${label}`;
    const codes = segmentCodes(name);
    const type = code(codes.type);
    if (codes.modifier) type.push(el(0x00620011, 'SQ', [code(codes.modifier)]));
    return [
      el(0x00620004, 'US', s + 1),
      el(0x00620005, 'LO', name.slice(0, 64)),
      el(0x00620008, 'CS', 'AUTOMATIC'),
      el(0x00620009, 'LO', options.modelName.slice(0, 64)),
      el(0x00620003, 'SQ', [code(codes.category)]),
      el(0x0062000f, 'SQ', [type]),
      el(0x0062000d, 'US', rgbToDicomLab(seg?.color ?? labelColor(label))),
    ];
  });

  // Frames: per segment, the slices where it is present, in slice order; bits packed across frames.
  const frameRefs: { segment: number; k: number }[] = [];
  written.forEach((label, s) => {
    for (const k of present.get(label) as number[]) frameRefs.push({ segment: s + 1, k });
  });
  const pixelData = packFrames(labels.data, written, frameRefs, g.rows, g.cols);

  const sourceImage = (k: number): DicomItem => {
    const s = slices[k];
    const item: DicomItem = [
      el(0x00081150, 'UI', s.sopClassUid),
      el(0x00081155, 'UI', s.sopInstanceUid),
      el(0x0040a170, 'SQ', [dcm('121322', 'Source image for image processing operation')]),
    ];
    if (s.frameNumber !== null) item.push(el(0x00081160, 'IS', s.frameNumber));
    return item;
  };
  const perFrame: DicomItem[] = frameRefs.map(({ segment, k }) => [
    el(0x00209111, 'SQ', [[el(0x00209157, 'UL', [segment, k + 1])]]),
    el(0x00209113, 'SQ', [[el(0x00200032, 'DS', g.positions[k])]]),
    el(0x0062000a, 'SQ', [[el(0x0062000b, 'US', segment)]]),
    el(0x00089124, 'SQ', [
      [el(0x00082112, 'SQ', [sourceImage(k)]), el(0x00089215, 'SQ', [dcm('113076', 'Segmentation')])],
    ]),
  ]);
  const dimensionOrganizationUid = newUid();
  const uniqueInstances = new Map(slices.map((s) => [s.sopInstanceUid, s.sopClassUid]));

  const patientStudy = info.patientStudy.map((a) => el(Number.parseInt(a.tag, 16), a.vr, a.value));
  const has = (tag: number) => patientStudy.some((e) => e.tag === tag);
  // Type 2 patient/study attributes: present, empty when the source lacks them.
  const type2: [number, string][] = [
    [0x00100010, 'PN'],
    [0x00100020, 'LO'],
    [0x00100030, 'DA'],
    [0x00100040, 'CS'],
    [0x00080020, 'DA'],
    [0x00080030, 'TM'],
    [0x00080090, 'PN'],
    [0x00200010, 'SH'],
    [0x00080050, 'SH'],
  ];
  for (const [tag, vr] of type2) if (!has(tag)) patientStudy.push(el(tag, vr, ''));

  const dataSet: DicomItem = [
    ...patientStudy,
    el(0x00080008, 'CS', ['DERIVED', 'PRIMARY']),
    el(0x00080016, 'UI', SOP_CLASS.segmentation),
    el(0x00080018, 'UI', sopInstanceUid),
    el(0x00080012, 'DA', date),
    el(0x00080013, 'TM', time),
    el(0x00080023, 'DA', date),
    el(0x00080033, 'TM', time),
    el(0x00080060, 'CS', 'SEG'),
    el(0x00080070, 'LO', 'Tessera'),
    el(0x00081090, 'LO', 'Tessera'),
    el(0x00181000, 'LO', '1'),
    el(0x00181020, 'LO', TESSERA_VERSION),
    el(0x0008103e, 'LO', (options.seriesDescription ?? `Segmentation (${options.modelName})`).slice(0, 64)),
    el(0x00081115, 'SQ', [
      [
        el(0x0020000e, 'UI', sourceSeriesUid),
        el(
          0x0008114a,
          'SQ',
          [...uniqueInstances].map(([uid, cls]) => [el(0x00081150, 'UI', cls), el(0x00081155, 'UI', uid)]),
        ),
      ],
    ]),
    el(0x0020000d, 'UI', studyUid),
    el(0x0020000e, 'UI', seriesUid),
    el(0x00200011, 'IS', options.seriesNumber ?? 300 + ((info.seriesNumber ?? 0) % 1000)),
    el(0x00200013, 'IS', 1),
    el(0x00200052, 'UI', frameOfReferenceUid),
    el(0x00201040, 'LO', ''),
    el(0x00209221, 'SQ', [[el(0x00209164, 'UI', dimensionOrganizationUid)]]),
    el(0x00209222, 'SQ', [
      [
        el(0x00209164, 'UI', dimensionOrganizationUid),
        el(0x00209165, 'AT', 0x0062000b),
        el(0x00209167, 'AT', 0x0062000a),
        el(0x00209421, 'LO', 'Segment Number'),
      ],
      [
        el(0x00209164, 'UI', dimensionOrganizationUid),
        el(0x00209165, 'AT', 0x00200032),
        el(0x00209167, 'AT', 0x00209113),
        el(0x00209421, 'LO', 'Image Position Patient'),
      ],
    ]),
    el(0x00280002, 'US', 1),
    el(0x00280004, 'CS', 'MONOCHROME2'),
    el(0x00280008, 'IS', frameRefs.length),
    el(0x00280010, 'US', g.rows),
    el(0x00280011, 'US', g.cols),
    el(0x00280100, 'US', 1),
    el(0x00280101, 'US', 1),
    el(0x00280102, 'US', 0),
    el(0x00280103, 'US', 0),
    el(0x00282110, 'CS', '00'),
    el(0x00620001, 'CS', 'BINARY'),
    el(0x00620002, 'SQ', segmentItems),
    el(0x00700080, 'CS', 'SEGMENTATION'),
    el(0x00700081, 'LO', `Automatic segmentation by ${options.modelName}`.slice(0, 64)),
    el(0x00700084, 'PN', ''),
    el(0x52009229, 'SQ', [
      [
        el(0x00289110, 'SQ', [
          [el(0x00280030, 'DS', [g.dr, g.dc]), el(0x00180050, 'DS', g.step), el(0x00180088, 'DS', g.step)],
        ]),
        el(0x00209116, 'SQ', [[el(0x00200037, 'DS', [...g.rowDir, ...g.colDir])]]),
      ],
    ]),
    el(0x52009230, 'SQ', perFrame),
    el(0x7fe00010, 'OB', pixelData),
  ];
  const specific = info.patientStudy.find((a) => a.tag === '00080005');
  if (!specific) dataSet.push(el(0x00080005, 'CS', 'ISO_IR 100'));
  const bytes = encodePart10(dataSet, {
    sopClassUid: SOP_CLASS.segmentation,
    sopInstanceUid,
    implementationClassUid: IMPLEMENTATION_CLASS_UID,
    implementationVersion: `TESSERA_${TESSERA_VERSION}`,
  });
  return { bytes, generated, labels: written, frames: frameRefs.length, sopInstanceUid, seriesUid };
}

/** For every label value: the slices (k) where it occurs. */
function presentSlices(data: VoxelArray, plane: number, n: number): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (let k = 0; k < n; k++) {
    const seen = new Set<number>();
    for (let i = k * plane; i < (k + 1) * plane; i++) seen.add(data[i]);
    for (const v of seen) {
      const list = out.get(v);
      if (list) list.push(k);
      else out.set(v, [k]);
    }
  }
  return out;
}

/** 1-bit frames, DICOM row order (the volume's j axis flipped back), first pixel in the lowest bit. */
function packFrames(
  data: VoxelArray,
  written: number[],
  frames: { segment: number; k: number }[],
  rows: number,
  cols: number,
): Uint8Array {
  const plane = rows * cols;
  const total = frames.length * plane;
  const out = new Uint8Array(Math.ceil(total / 8) + (Math.ceil(total / 8) % 2));
  let bit = 0;
  for (const { segment, k } of frames) {
    const label = written[segment - 1];
    for (let r = 0; r < rows; r++) {
      const base = k * plane + (rows - 1 - r) * cols;
      for (let c = 0; c < cols; c++, bit++) if (data[base + c] === label) out[bit >> 3] |= 1 << (bit & 7);
    }
  }
  return out;
}
