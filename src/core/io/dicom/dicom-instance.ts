import { TesseraError } from '../../errors';
import { inflateRawUnsized } from '../archive/gzip';
import type { DataSet } from './dicom-parser-module';
import { dicomParser } from './dicom-parser-module';
import { SOP_CLASS } from './sop-classes';
import { DEFLATED, EXPLICIT_LITTLE, IMPLICIT_LITTLE, TRANSFER_SYNTAXES } from './transfer-syntax';

/** Where one frame (a 2-D image) lies; a classic file has one, an enhanced multi-frame file many. */
export interface DicomFrame {
  /** Index of the frame inside its file. */
  index: number;
  /** ImagePositionPatient: LPS mm of the centre of the first transmitted pixel. */
  position: number[] | null;
  /** ImageOrientationPatient: row direction then column direction (LPS cosines). */
  orientation: number[] | null;
  /** PixelSpacing: [between rows, between columns] in mm. */
  pixelSpacing: number[] | null;
  sliceThickness: number | null;
  /** SpacingBetweenSlices: the step a lone slice gets (dcm2niix prefers it to the thickness). */
  sliceSpacing: number | null;
  slope: number;
  intercept: number;
}

/** The header facts of one DICOM file that reading, grouping and SEG export need. */
export interface DicomInstance {
  file: string;
  transferSyntax: string;
  sopClassUid: string;
  sopInstanceUid: string;
  studyUid: string;
  seriesUid: string;
  frameOfReferenceUid: string;
  modality: string;
  seriesDescription: string;
  seriesNumber: number | null;
  instanceNumber: number | null;
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  samplesPerPixel: number;
  photometric: string;
  numberOfFrames: number;
  frames: DicomFrame[];
  gantryTilt: number;
  hasPixels: boolean;
  /** The parsed data set (pixel data is read from it on demand); not plain data. */
  dataSet: DataSet;
}

/** Non-image objects, by SOP class, with the name a person knows them by. */
const NON_IMAGE: Record<string, string> = {
  '1.2.840.10008.5.1.4.1.1.481.5': 'an RT Plan',
  '1.2.840.10008.5.1.4.1.1.481.3': 'an RT Structure Set',
  '1.2.840.10008.5.1.4.1.1.88.11': 'a Basic Text SR',
  '1.2.840.10008.5.1.4.1.1.88.22': 'an Enhanced SR',
  '1.2.840.10008.5.1.4.1.1.88.33': 'a Comprehensive SR',
  '1.2.840.10008.5.1.4.1.1.88.59': 'a Key Object Selection',
  '1.2.840.10008.5.1.4.1.1.104.1': 'an Encapsulated PDF',
  '1.2.840.10008.5.1.4.1.1.11.1': 'a Presentation State',
  '1.2.840.10008.1.3.10': 'a DICOMDIR',
};

function ascii(bytes: Uint8Array, at: number, n: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + n));
}

/** Either a Part 10 file (preamble + "DICM") or a bare data set starting with a group 0002/0008 element. */
export function looksLikeDicom(bytes: Uint8Array): boolean {
  if (bytes.length >= 132 && ascii(bytes, 128, 4) === 'DICM') return true;
  return bareSyntax(bytes) !== null;
}

/** The transfer syntax of a data set without a meta header, guessed from its first element. */
function bareSyntax(bytes: Uint8Array): string | null {
  if (bytes.length < 8) return null;
  const groupLE = bytes[0] | (bytes[1] << 8);
  const groupBE = (bytes[0] << 8) | bytes[1];
  const vrLike = /^[A-Z]{2}$/.test(ascii(bytes, 4, 2));
  if (groupLE === 0x0008 || groupLE === 0x0002) return vrLike ? EXPLICIT_LITTLE : IMPLICIT_LITTLE;
  if (groupBE === 0x0008 && vrLike) return '1.2.840.10008.1.2.2';
  return null;
}

function parserMessage(e: unknown): string {
  const inner =
    typeof e === 'object' && e !== null && 'exception' in e ? (e as { exception: unknown }).exception : e;
  const text = inner instanceof Error ? inner.message : String(inner);
  return text.replace(/^dicomParser[.:]\w+:\s*/, '');
}

/** Parse one DICOM file's header (and locate its pixel data). Throws a TesseraError naming the file. */
export async function parseDicomInstance(bytes: Uint8Array, file: string): Promise<DicomInstance> {
  const part10 = bytes.length >= 132 && ascii(bytes, 128, 4) === 'DICM';
  const bare = part10 ? null : bareSyntax(bytes);
  if (!part10 && !bare) throw new TesseraError('bad-magic', file, 'not a DICOM file (no DICM prefix)');
  let inflated: Uint8Array | null = null;
  if (part10) {
    let meta: DataSet;
    try {
      meta = dicomParser.readPart10Header(bytes);
    } catch (e) {
      throw new TesseraError(
        'bad-header',
        file,
        `the DICOM file meta header is unreadable (${parserMessage(e)})`,
      );
    }
    if (meta.string('x00020010') === DEFLATED) {
      const at = (meta as unknown as { position: number }).position;
      const body = await inflateRawUnsized(bytes.subarray(at), file);
      inflated = new Uint8Array(at + body.length);
      inflated.set(bytes.subarray(0, at));
      inflated.set(body, at);
    }
  }
  let ds: DataSet;
  try {
    ds = dicomParser.parseDicom(bytes, {
      ...(bare ? { TransferSyntaxUID: bare } : {}),
      inflater: () => inflated as Uint8Array,
    } as Parameters<typeof dicomParser.parseDicom>[1]);
  } catch (e) {
    const msg = parserMessage(e);
    const truncated = /overrun|beyond|end of|overread|past the end|eof/i.test(msg);
    throw new TesseraError(
      truncated ? 'truncated-data' : 'bad-header',
      file,
      truncated ? `the DICOM file is truncated (${msg})` : `the DICOM data set is unreadable (${msg})`,
    );
  }
  return instanceFromDataSet(ds, file, bare ?? ds.string('x00020010') ?? IMPLICIT_LITTLE);
}

function numbers(ds: DataSet, tag: string): number[] | null {
  const raw = ds.string(tag);
  if (!raw) return null;
  const values = raw.split('\\').map((s) => Number.parseFloat(s));
  return values.every(Number.isFinite) ? values : null;
}

function numberOr(ds: DataSet, tag: string, fallback: number): number {
  const v = numbers(ds, tag);
  return v ? v[0] : fallback;
}

function intOrNull(ds: DataSet, tag: string): number | null {
  const v = numbers(ds, tag);
  return v ? Math.round(v[0]) : null;
}

/** The first item of a sequence, searched in the per-frame item then in the shared one. */
function item(groups: (DataSet | undefined)[], tag: string): DataSet | undefined {
  for (const g of groups) {
    const items = g?.elements[tag]?.items;
    if (items?.length) return items[0].dataSet;
  }
  return undefined;
}

function framesOf(ds: DataSet, numberOfFrames: number): DicomFrame[] {
  const slope = numberOr(ds, 'x00281053', 1);
  const intercept = numberOr(ds, 'x00281052', 0);
  const thickness = numbers(ds, 'x00180050')?.[0] ?? null;
  const between = numbers(ds, 'x00180088')?.[0] ?? null;
  const shared = ds.elements.x52009229?.items?.[0]?.dataSet;
  const perFrame = ds.elements.x52009230?.items;
  if (perFrame?.length) {
    // Enhanced multi-frame: geometry and rescale live in the functional groups.
    return perFrame.map((it, index) => {
      const groups = [it.dataSet, shared];
      const pos = item(groups, 'x00209113');
      const ori = item(groups, 'x00209116');
      const meas = item(groups, 'x00289110');
      const pvt = item(groups, 'x00289145');
      return {
        index,
        position: pos ? numbers(pos, 'x00200032') : null,
        orientation: ori ? numbers(ori, 'x00200037') : numbers(ds, 'x00200037'),
        pixelSpacing: meas ? numbers(meas, 'x00280030') : numbers(ds, 'x00280030'),
        sliceThickness: meas ? (numbers(meas, 'x00180050')?.[0] ?? null) : thickness,
        sliceSpacing: meas ? (numbers(meas, 'x00180088')?.[0] ?? null) : between,
        slope: pvt ? numberOr(pvt, 'x00281053', 1) : slope,
        intercept: pvt ? numberOr(pvt, 'x00281052', 0) : intercept,
      };
    });
  }
  const position = numbers(ds, 'x00200032');
  const orientation = numbers(ds, 'x00200037');
  const pixelSpacing = numbers(ds, 'x00280030') ?? numbers(ds, 'x00181164');
  const offsets = numberOfFrames > 1 ? numbers(ds, 'x3004000c') : null;
  return Array.from({ length: numberOfFrames }, (_, index) => {
    let p = position;
    // Legacy multi-frame (RT Dose): frames stacked along the normal at GridFrameOffsetVector.
    if (p && orientation && offsets && offsets.length === numberOfFrames) {
      const n = cross(orientation.slice(0, 3), orientation.slice(3, 6));
      p = p.map((x, d) => x + offsets[index] * n[d]);
    } else if (numberOfFrames > 1) p = null;
    return {
      index,
      position: p,
      orientation,
      pixelSpacing,
      sliceThickness: thickness,
      sliceSpacing: between,
      slope,
      intercept,
    };
  });
}

export function cross(a: number[], b: number[]): number[] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function instanceFromDataSet(ds: DataSet, file: string, transferSyntax: string): DicomInstance {
  const str = (tag: string) => (ds.string(tag) ?? '').replace(/\0/g, '').trim();
  const sopClassUid = str('x00080016') || str('x00020002');
  const numberOfFrames = Math.max(1, intOrNull(ds, 'x00280008') ?? 1);
  const pixel = ds.elements.x7fe00010;
  return {
    file,
    transferSyntax,
    sopClassUid,
    sopInstanceUid: str('x00080018') || str('x00020003'),
    studyUid: str('x0020000d'),
    seriesUid: str('x0020000e'),
    frameOfReferenceUid: str('x00200052'),
    modality: str('x00080060'),
    seriesDescription: str('x0008103e'),
    seriesNumber: intOrNull(ds, 'x00200011'),
    instanceNumber: intOrNull(ds, 'x00200013'),
    rows: ds.uint16('x00280010') ?? 0,
    columns: ds.uint16('x00280011') ?? 0,
    bitsAllocated: ds.uint16('x00280100') ?? 0,
    bitsStored: ds.uint16('x00280101') ?? ds.uint16('x00280100') ?? 0,
    pixelRepresentation: ds.uint16('x00280103') ?? 0,
    samplesPerPixel: ds.uint16('x00280002') ?? 1,
    photometric: str('x00280004'),
    numberOfFrames,
    frames: framesOf(ds, numberOfFrames),
    gantryTilt: numberOr(ds, 'x00181120', 0),
    hasPixels: pixel !== undefined && (pixel.length > 0 || !!pixel.encapsulatedPixelData),
    dataSet: ds,
  };
}

/** Why this instance cannot be a slice of an image volume, or null when it can. */
export function notAnImage(inst: DicomInstance): string | null {
  const known = NON_IMAGE[inst.sopClassUid];
  if (known) return `${known}, not an image`;
  if (inst.sopClassUid === SOP_CLASS.segmentation) return null;
  if (!inst.hasPixels) return `a DICOM ${inst.modality || 'object'} without pixel data, not an image`;
  if (!TRANSFER_SYNTAXES[inst.transferSyntax])
    return `its transfer syntax ${inst.transferSyntax} is not supported`;
  if (inst.samplesPerPixel !== 1)
    return `a colour (${inst.photometric || `${inst.samplesPerPixel}-sample`}) image, not a grey-scale volume`;
  if (![8, 16, 32].includes(inst.bitsAllocated)) return `${inst.bitsAllocated}-bit pixels are not supported`;
  return null;
}
