import { describeError, isTesseraError } from '../../core/errors';
import { writeNifti } from '../../core/io/volume/nifti-writer';
import { modelFiles, useModels } from '../models/models-store';
import { activeScan, newId, useStore } from '../store';
import { segmentInWorker } from '../workers';
import { downloadBlob } from './download';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Segment the active scan with the chosen model in the inference worker: progress with tiles and time
 * left, Cancel, and on success the labels appear over the scan (named and coloured by the model). A
 * failure is a banner; nothing already there is touched.
 */
export async function segmentActiveScan(): Promise<void> {
  const store = useStore.getState();
  const models = useModels.getState();
  const scan = activeScan(store);
  const entry = models.models.find((m) => m.id === models.activeModelId);
  if (!scan || !entry) {
    store.showError(scan ? 'Choose a model first.' : 'Load a scan first.');
    return;
  }
  const jobId = newId('segment');
  const controller = new AbortController();
  store.startJob({
    id: jobId,
    title: `Segmenting ${scan.name}`,
    stage: 'starting',
    total: 1,
    cancel: () => controller.abort(),
  });
  const t0 = performance.now();
  try {
    const { name, files } = await modelFiles(entry.id);
    const volume = { ...scan.volume, data: scan.volume.data.slice() };
    const result = await segmentInWorker(
      {
        model: { id: entry.id, name, files },
        volume,
        backend: models.backend,
        folds: models.folds.length ? models.folds : undefined,
        checkpoint: entry.checkpoint,
        tta: models.tta,
        tileStepSize: models.tileStepSize,
      },
      (p) => {
        const network = p.stage === 'network';
        useStore.getState().updateJob(jobId, {
          stage: network
            ? `network on ${models.backend === 'wasm' ? 'wasm' : 'GPU/wasm'}: tile ${Math.floor(p.done)} of ${p.total}`
            : p.stage,
          done: network ? p.done : 0,
          total: network ? p.total : 0,
          ...(network && p.done === 1 ? { startedAt: performance.now() } : {}),
        });
        if (p.stage?.startsWith('WebGPU failed')) useStore.getState().showInfo(p.stage);
      },
      controller.signal,
    );
    const labels = entry.summary?.labels ?? [];
    const names: Record<number, string> = {};
    const colors: Record<number, [number, number, number]> = {};
    for (const l of labels) {
      names[l.value] = l.name;
      if (l.color && l.value > 0) colors[l.value] = l.color;
    }
    store.addLabelMap({
      id: newId('labels'),
      scanId: scan.id,
      name: `${entry.name} on ${scan.name}`,
      data: result.labels,
      names,
      colors: Object.keys(colors).length ? colors : undefined,
      origin: 'segmentation',
      demonstration: entry.demonstration,
    });
    const t = result.timings;
    const total = performance.now() - t0;
    store.endJob(
      jobId,
      `Segmented in ${seconds(total)} on ${result.backend}: preprocess ${seconds(t.preprocessMs)}, network ${seconds(t.networkMs)} (${result.tiles} tile${result.tiles === 1 ? '' : 's'}), export ${seconds(t.exportMs)}`,
    );
    useStore.setState({
      lastSegmentation: {
        backend: result.backend,
        tiles: result.tiles,
        timings: t,
        totalMs: total,
        fallbackReason: result.fallbackReason,
      },
    });
  } catch (e) {
    store.endJob(jobId);
    if (isTesseraError(e) && e.code === 'cancelled') {
      store.showInfo('Segmentation cancelled.');
      return;
    }
    store.showError(`Segmentation failed: ${describeError(e)}`);
  }
}

/** Save a label map as NIfTI on its scan's grid (same qform/sform), as `<scan>_seg.nii.gz`. */
export async function saveLabelMap(labelMapId: string): Promise<void> {
  const store = useStore.getState();
  const map = store.labelMaps.find((m) => m.id === labelMapId);
  const scan = store.scans.find((s) => s.id === map?.scanId);
  if (!map || !scan) return;
  let max = 0;
  for (let i = 0; i < map.data.length; i++) if (map.data[i] > max) max = map.data[i];
  const bytes = await writeNifti({
    data: map.data,
    shape: scan.volume.shape.slice(0, 3),
    like: scan.volume,
    datatype: max > 255 ? 'uint16' : 'uint8',
    intentCode: 1002,
    description: 'Tessera segmentation',
  });
  const base = scan.name.replace(/\.(nii|nrrd|npy)(\.gz)?$/i, '');
  downloadBlob(
    `${base}_seg.nii.gz`,
    new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/gzip' }),
  );
}
