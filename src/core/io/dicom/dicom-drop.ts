import { blobSource } from '../archive/byte-source';
import { isZip, openZip, readZipEntry } from '../archive/zip-reader';
import type { DicomScan, NamedBytes } from './read-dicom';
import { noSeriesError, scanDicomFiles } from './read-dicom';
import { segReferencedSeries } from './seg-reader';
import { defaultSeries, describeSeries, summarizeSeries } from './series';

/** Progress as the worker reports it. */
type Progress = { done: number; total: number; stage?: string };

/** What the page lists after a DICOM drop: patient-free lines, one per series. */
export interface DicomListing {
  /** The drop as the user knows it (the folder or zip name). */
  name: string;
  series: { index: number; text: string; isSegmentation: boolean; uid: string; referencedSeries: string }[];
  /** The series opened when the user does not choose (the largest image series), null when only SEGs. */
  defaultIndex: number | null;
  /** Files that were left out (unreadable, non-image, not DICOM), one line, or null. */
  skipped: string | null;
}

/** Name of a drop: the common top folder of its paths, else the first file's name. */
export function dropName(paths: string[]): string {
  const tops = new Set(paths.map((p) => (p.includes('/') ? p.split('/')[0] : '')));
  if (tops.size === 1 && !tops.has('')) return [...tops][0];
  return paths.length === 1 ? (paths[0].split('/').pop() ?? paths[0]) : `${paths.length} files`;
}

/** The bytes of dropped files; a lone zip is unpacked (its folders keep their paths). */
export async function dropBytes(
  files: { name: string; file: Blob }[],
  progress?: (p: Progress) => void,
): Promise<NamedBytes[]> {
  if (files.length === 1 && isZip(new Uint8Array(await files[0].file.slice(0, 4).arrayBuffer()))) {
    const zip = await openZip(blobSource(files[0].file, files[0].name));
    const names = [...zip.entries.keys()].filter((p) => !p.endsWith('/') && !p.startsWith('__MACOSX/'));
    const out: NamedBytes[] = [];
    for (const [i, p] of names.entries()) {
      progress?.({ done: i, total: names.length, stage: 'unpacking the zip' });
      out.push({ name: p, bytes: await readZipEntry(zip, p) });
    }
    return out;
  }
  const out: NamedBytes[] = [];
  for (const [i, f] of files.entries()) {
    progress?.({ done: i, total: files.length, stage: 'reading files' });
    out.push({ name: f.name, bytes: new Uint8Array(await f.file.arrayBuffer()) });
  }
  return out;
}

/** Group a drop into series; a drop with no image series and no SEG is one error (one banner). */
export async function scanDrop(
  files: NamedBytes[],
  name: string,
  progress?: (p: Progress) => void,
): Promise<{ scan: DicomScan; listing: DicomListing }> {
  const scan = await scanDicomFiles(files, (done, total) =>
    progress?.({ done, total, stage: 'reading DICOM headers' }),
  );
  if (scan.series.length === 0) throw noSeriesError(scan, name);
  const left: string[] = [];
  if (scan.broken.length) left.push(`${scan.broken.length} unreadable (${scan.broken[0].message})`);
  if (scan.nonImage.length)
    left.push(`${scan.nonImage.length} not images (${scan.nonImage[0].file}: ${scan.nonImage[0].reason})`);
  return {
    scan,
    listing: {
      name,
      series: scan.series.map((s) => ({
        index: s.index,
        text: describeSeries(summarizeSeries(s)),
        isSegmentation: s.isSegmentation,
        uid: s.uid,
        referencedSeries: s.isSegmentation ? segReferencedSeries(s.instances[0]) : '',
      })),
      defaultIndex: defaultSeries(scan.series)?.index ?? null,
      skipped: left.length ? `Left out: ${left.join('; ')}` : null,
    },
  };
}
