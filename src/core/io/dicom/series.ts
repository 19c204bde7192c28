import type { DicomFrame, DicomInstance } from './dicom-instance';
import { SOP_CLASS } from './sop-classes';

/** One series found in a set of files: the instances that form one image volume (or one SEG). */
export interface DicomSeries {
  /** 1-based, in listing order (the `--series N` of the CLI). */
  index: number;
  /** SeriesInstanceUID, '' where the files were anonymised with the UID blanked. */
  uid: string;
  modality: string;
  description: string;
  seriesNumber: number | null;
  instances: DicomInstance[];
  isSegmentation: boolean;
}

/** What the series picker and `tessera info` show: nothing that identifies the patient. */
export interface DicomSeriesSummary {
  index: number;
  modality: string;
  description: string;
  seriesNumber: number | null;
  files: number;
  /** columns × rows × slices (frames) */
  size: [number, number, number];
  /** in-plane spacing (column, row) in mm, when the files state it */
  pixelSpacing: [number, number] | null;
  isSegmentation: boolean;
  blankUid: boolean;
}

export interface SliceRef {
  instance: DicomInstance;
  frame: DicomFrame;
}

const round = (x: number, d = 3) => Number(x.toFixed(d));

/**
 * Files of one series share a SeriesInstanceUID. Anonymisers sometimes blank it: such files are grouped
 * by what a series has in common instead (study, series number, modality, image size, orientation).
 */
function seriesKey(inst: DicomInstance): string {
  if (inst.seriesUid) return `uid:${inst.seriesUid}`;
  const iop = inst.frames[0]?.orientation?.map((x) => round(x)).join(',') ?? '';
  return [
    'blank',
    inst.studyUid,
    inst.frameOfReferenceUid,
    inst.seriesNumber ?? '',
    inst.modality,
    inst.sopClassUid,
    `${inst.columns}x${inst.rows}`,
    iop,
  ].join('|');
}

export function groupSeries(instances: DicomInstance[]): DicomSeries[] {
  const groups = new Map<string, DicomInstance[]>();
  for (const inst of instances) {
    const key = seriesKey(inst);
    const g = groups.get(key);
    if (g) g.push(inst);
    else groups.set(key, [inst]);
  }
  const series = [...groups.values()].map((insts) => {
    const first = insts[0];
    return {
      index: 0,
      uid: first.seriesUid,
      modality: first.modality,
      description: first.seriesDescription,
      seriesNumber: first.seriesNumber,
      instances: insts,
      isSegmentation: first.sopClassUid === SOP_CLASS.segmentation,
    };
  });
  series.sort(
    (a, b) =>
      (a.seriesNumber ?? Number.MAX_SAFE_INTEGER) - (b.seriesNumber ?? Number.MAX_SAFE_INTEGER) ||
      a.description.localeCompare(b.description) ||
      a.instances[0].file.localeCompare(b.instances[0].file),
  );
  series.forEach((s, i) => {
    s.index = i + 1;
  });
  return series;
}

export function frameCountOf(s: DicomSeries): number {
  return s.instances.reduce((n, i) => n + i.numberOfFrames, 0);
}

export function summarizeSeries(s: DicomSeries): DicomSeriesSummary {
  const first = s.instances[0];
  const ps = first.frames[0]?.pixelSpacing;
  return {
    index: s.index,
    modality: s.modality,
    description: s.description,
    seriesNumber: s.seriesNumber,
    files: s.instances.length,
    size: [first.columns, first.rows, frameCountOf(s)],
    pixelSpacing: ps && ps.length >= 2 ? [ps[1], ps[0]] : null,
    isSegmentation: s.isSegmentation,
    blankUid: !s.uid,
  };
}

/** One line for a picker or a listing: "2: CT «abdomen 3 mm» 512×512×120, 0.78×0.78 mm, 120 files". */
export function describeSeries(s: DicomSeriesSummary): string {
  const what = s.isSegmentation ? 'SEG' : s.modality || 'image';
  const descr = s.description ? ` “${s.description}”` : '';
  const spacing = s.pixelSpacing ? `, ${s.pixelSpacing.map((x) => round(x, 3)).join('×')} mm` : '';
  const uid = s.blankUid ? ', no series UID' : '';
  return `${s.index}: ${what}${descr} ${s.size.join('×')}${spacing}, ${s.files} file${s.files === 1 ? '' : 's'}${uid}`;
}

/** The image series to open when the user does not choose: the one with the most voxels. */
export function defaultSeries(series: DicomSeries[]): DicomSeries | undefined {
  const images = series.filter((s) => !s.isSegmentation);
  let best: DicomSeries | undefined;
  let bestVoxels = -1;
  for (const s of images) {
    const v = s.instances[0].rows * s.instances[0].columns * frameCountOf(s);
    if (v > bestVoxels) {
      best = s;
      bestVoxels = v;
    }
  }
  return best;
}
