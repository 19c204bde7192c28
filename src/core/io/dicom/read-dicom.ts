import { isTesseraError, TesseraError } from '../../errors';
import type { Volume } from '../volume/volume';
import type { DicomInstance } from './dicom-instance';
import { looksLikeDicom, notAnImage, parseDicomInstance } from './dicom-instance';
import type { DicomSeries } from './series';
import { defaultSeries, describeSeries, groupSeries, summarizeSeries } from './series';
import type { ReadProgress } from './series-volume';
import { readSeriesVolume } from './series-volume';

export interface NamedBytes {
  /** Path as the user knows it (relative to the dropped folder or the zip). */
  name: string;
  bytes: Uint8Array;
}

/** What a set of files holds: its series, and every file that was not usable with the reason. */
export interface DicomScan {
  series: DicomSeries[];
  /** DICOM files that could not be parsed (truncated, corrupt). */
  broken: TesseraError[];
  /** DICOM objects that are not images (SR, RT Plan, …), and DICOMDIRs. */
  nonImage: { file: string; reason: string }[];
  /** Files that are not DICOM at all (README, thumbnails, …). */
  otherFiles: string[];
}

/** Parse every file's header and group them into series. Never throws for one bad file. */
export async function scanDicomFiles(files: NamedBytes[], onProgress?: ReadProgress): Promise<DicomScan> {
  const instances: DicomInstance[] = [];
  const scan: DicomScan = { series: [], broken: [], nonImage: [], otherFiles: [] };
  let done = 0;
  for (const f of files) {
    onProgress?.(done++, files.length);
    if (!looksLikeDicom(f.bytes)) {
      scan.otherFiles.push(f.name);
      continue;
    }
    try {
      const inst = await parseDicomInstance(f.bytes, f.name);
      const why = notAnImage(inst);
      if (why) scan.nonImage.push({ file: f.name, reason: why });
      else instances.push(inst);
    } catch (e) {
      if (!isTesseraError(e)) throw e;
      scan.broken.push(e);
    }
  }
  scan.series = groupSeries(instances);
  onProgress?.(files.length, files.length);
  return scan;
}

/** The single error for a set of files with no readable image series: the cause, in one line. */
export function noSeriesError(scan: DicomScan, what: string): TesseraError {
  if (scan.broken.length === 1 && scan.nonImage.length === 0) return scan.broken[0];
  if (scan.nonImage.length === 1 && scan.broken.length === 0)
    return new TesseraError(
      'unsupported-format',
      scan.nonImage[0].file,
      `this is ${scan.nonImage[0].reason}`,
    );
  const parts: string[] = [];
  if (scan.broken.length) parts.push(`${scan.broken.length} unreadable (${scan.broken[0].message})`);
  if (scan.nonImage.length)
    parts.push(`${scan.nonImage.length} not images (${scan.nonImage[0].file}: ${scan.nonImage[0].reason})`);
  if (scan.otherFiles.length) parts.push(`${scan.otherFiles.length} not DICOM`);
  const total = scan.broken.length + scan.nonImage.length + scan.otherFiles.length;
  if (total === 0) return new TesseraError('not-found', what, 'no files found (empty folder?)');
  return new TesseraError(
    'unsupported-format',
    what,
    `no DICOM image series among ${total} file(s): ${parts.join('; ')}`,
  );
}

/** Pick a series by its 1-based listing number, or the largest image series. */
export function pickSeries(scan: DicomScan, what: string, index?: number): DicomSeries {
  const images = scan.series;
  if (index !== undefined) {
    const s = images.find((x) => x.index === index);
    if (!s)
      throw new TesseraError(
        'bad-argument',
        what,
        `there is no series ${index}; the series are: ${images.map((x) => describeSeries(summarizeSeries(x))).join('; ')}`,
      );
    return s;
  }
  const s = defaultSeries(images);
  if (!s && images.length)
    throw new TesseraError(
      'bad-argument',
      what,
      'it holds only a DICOM-SEG (a segmentation); open its image series, then the SEG over it',
    );
  if (!s) throw noSeriesError(scan, what);
  return s;
}

/**
 * Read a series as a Volume. When it fails and some files of the set were unreadable, the unreadable file
 * is the likelier cause (a truncated slice looks like a missing one), so that is what is reported.
 */
export async function readDicomSeries(
  scan: DicomScan,
  series: DicomSeries,
  name: string,
  onProgress?: ReadProgress,
): Promise<Volume> {
  if (series.isSegmentation)
    throw new TesseraError(
      'bad-argument',
      name,
      'this series is a DICOM-SEG: open its image series, then the SEG over it',
    );
  try {
    return await readSeriesVolume(series, name, onProgress);
  } catch (e) {
    if (isTesseraError(e) && scan.broken.length) throw scan.broken[0];
    throw e;
  }
}

/** The image series of a set of DICOM files (one chosen by `series`, else the largest) as a Volume. */
export async function readDicomVolume(
  files: NamedBytes[],
  name: string,
  options: { series?: number; onProgress?: ReadProgress } = {},
): Promise<Volume> {
  const scan = await scanDicomFiles(files);
  const s = pickSeries(scan, name, options.series);
  return readDicomSeries(scan, s, name, options.onProgress);
}
