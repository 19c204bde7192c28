import { describeError, isTesseraError } from '../../core/errors';
import type { DicomListing } from '../../core/io/dicom/dicom-drop';
import { dropName } from '../../core/io/dicom/dicom-drop';
import { VOLUME_EXTENSIONS } from '../../core/io/volume/read-volume';
import { looksLikeCT } from '../../core/io/volume/volume-info';
import type { Progress } from '../../core/parallel/job';
import type { DroppedFile } from '../actions/dropped-files';
import { loadFiles } from '../actions/load-volumes';
import { registerFolderHandler } from '../actions/route-drop';
import { runJob } from '../jobs';
import { activeScan, newId, useStore } from '../store';
import { openDicomSeriesInWorker, readDicomSegInWorker, scanDicomInWorker } from '../workers';
import { useDicomPicker } from './dicom-store';

/**
 * DICOM drops: files without a volume extension (real DICOM often has none), .dcm files, or a zip of them.
 * The whole drop is parsed in the I/O worker; it is one job and, when nothing in it is readable, one banner.
 */
const isHidden = (p: string) => (p.split('/').pop() ?? p).startsWith('.');
const isVolumeName = (p: string) => {
  const n = p.toLowerCase();
  return !n.endsWith('.dcm') && VOLUME_EXTENSIONS.some((e) => n.endsWith(e));
};

/** How DICOM files are named: no extension, .dcm/.dicom/.ima, or a UID (digits and dots); DICOMDIR too. */
function isDicomName(p: string): boolean {
  const base = p.split('/').pop() ?? p;
  return !base.includes('.') || /\.(dcm|dicom|ima)$/i.test(base) || /^[0-9.]+$/.test(base);
}

export function looksLikeDicomDrop(files: DroppedFile[]): boolean {
  return files.some((f) => !isHidden(f.path) && isDicomName(f.path));
}

/** A DICOM read or decode as a page job (progress, Cancel, one banner on failure). */
async function withJob<T>(
  title: string,
  run: (progress: (p: Progress) => void, signal: AbortSignal) => Promise<T>,
): Promise<T | null> {
  const r = await runJob<T>({
    kind: 'load',
    title,
    stage: 'reading files',
    hint: (e) =>
      isTesseraError(e) && e.code === 'truncated-data' ? 'The file is incomplete: copy it again.' : undefined,
    summary: (_, ms) => `${title}: ${(ms / 1000).toFixed(2)} s`,
    run: ({ progress, signal }) => run(progress, signal),
  });
  return r === undefined ? null : r;
}

export async function openDicomDrop(files: DroppedFile[]): Promise<void> {
  // Volumes dropped alongside (a NIfTI beside a series folder) open as usual.
  const volumes = files.filter((f) => isVolumeName(f.path) || f.path.toLowerCase().endsWith('.json'));
  if (volumes.length)
    await loadFiles(volumes.map((f) => ({ name: f.path.split('/').pop() ?? f.path, file: f.file })));
  const visible = files.filter((f) => !isHidden(f.path) && !volumes.includes(f));
  const name = dropName(visible.map((f) => f.path));
  const scanned = await withJob(`Reading DICOM ${name}`, (progress, signal) =>
    scanDicomInWorker(
      name,
      visible.map((f) => ({ name: f.path, file: f.file })),
      progress,
      signal,
    ),
  );
  if (!scanned) return;
  const { token, listing } = scanned;
  if (listing.skipped) useStore.getState().showInfo(`${name}: ${listing.skipped}`);
  const images = listing.series.filter((s) => !s.isSegmentation);
  if (images.length === 0) {
    // Only SEGs: each goes over the open DICOM scan it references.
    for (const s of listing.series) await openSegSeries(token, s.index, listing);
    return;
  }
  if (images.length === 1) return openSeries(token, images[0].index, listing);
  useDicomPicker.getState().setPending({ token, listing });
}

/** Decode the chosen series into a scan; SEGs of the same drop that reference it follow as label maps. */
export async function openSeries(token: number, index: number, listing: DicomListing): Promise<void> {
  useDicomPicker.getState().setPending(null);
  const opened = await withJob(`Decoding ${listing.name} series ${index}`, (progress, signal) =>
    openDicomSeriesInWorker(token, index, progress, signal),
  );
  if (!opened) return;
  const store = useStore.getState();
  store.addScan({
    id: newId('scan'),
    name: opened.volume.name,
    volume: opened.volume,
    info: opened.info,
    display: opened.display,
    isCT: looksLikeCT(opened.info),
  });
  const uid = listing.series.find((s) => s.index === index)?.uid;
  for (const s of listing.series)
    if (s.isSegmentation && (!s.referencedSeries || s.referencedSeries === uid))
      await openSegSeries(token, s.index, listing);
}

async function openSegSeries(token: number, index: number, listing: DicomListing): Promise<void> {
  const scan = activeScan(useStore.getState());
  if (!scan?.volume.source.dicom) {
    useStore
      .getState()
      .showError(`${listing.name}: a DICOM-SEG needs its DICOM series: open the series first, then the SEG`);
    return;
  }
  const v = scan.volume;
  try {
    const seg = await readDicomSegInWorker({
      token,
      index,
      image: {
        name: v.name,
        shape: v.shape,
        spacing: v.spacing,
        affine: v.affine,
        source: v.source,
        datatype: v.datatype,
      },
    });
    const names: Record<number, string> = {};
    const colors: Record<number, [number, number, number]> = {};
    for (const s of seg.segments) {
      names[s.number] = s.label;
      if (s.color) colors[s.number] = s.color;
    }
    useStore.getState().addLabelMap({
      id: newId('labels'),
      scanId: scan.id,
      name: seg.name.split('/').pop() ?? seg.name,
      data: seg.data,
      names,
      colors,
      origin: 'file',
    });
    if (seg.overlapVoxels)
      useStore
        .getState()
        .showInfo(
          `${seg.name}: ${seg.overlapVoxels} voxels belong to two segments; the higher segment number is shown`,
        );
  } catch (e) {
    useStore.getState().showError(describeError(e));
  }
}

registerFolderHandler({ matches: looksLikeDicomDrop, open: openDicomDrop });
