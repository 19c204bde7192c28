import type { SegmentResult } from '../../../workers/inference.worker';
import { describeError, TesseraError } from '../../core/errors';
import { predictionWork } from '../../core/inference/estimate-time';
import { writeNifti } from '../../core/io/volume/nifti-writer';
import { assertLabelGrid, type Volume, zyxShape } from '../../core/io/volume/volume';
import type { NnunetModelInfo } from '../../core/model/bundle/nnunet-model';
import { inferencePoolSize } from '../../core/parallel/pool';
import { runJob } from '../jobs';
import { assignChannels } from '../models/channel-assignment';
import { type ModelEntry, modelFiles, useModels } from '../models/models-store';
import { activeScan, newId, type Scan, type SegmentationSummary, useStore } from '../store';
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
  const t0 = performance.now();
  let volumes: Volume[];
  try {
    volumes = caseVolumes(scan, entry);
  } catch (e) {
    store.showError(describeError(e));
    return;
  }
  const result = await runJob<SegmentResult>({
    kind: 'segment',
    title: `Segmenting ${scan.name}`,
    failure: 'Segmentation failed',
    onCancel: () => useStore.getState().showInfo('Segmentation cancelled.'),
    summary: (r, ms) => {
      const t = r.timings;
      return `Segmented in ${seconds(ms)} on ${backendText(r)}: preprocess ${seconds(t.preprocessMs)}, network ${seconds(t.networkMs)} (${r.tiles} tile${r.tiles === 1 ? '' : 's'}), export ${seconds(t.exportMs)}${r.postprocessing ? ', postprocessed' : ''}`;
    },
    run: async (job) => {
      const { name, files } = await modelFiles(entry.id);
      return segmentInWorker(
        {
          model: { id: entry.id, name, files },
          // copies: the scans stay on the page while the worker owns what it was sent
          volumes: volumes.map((v) => ({ ...v, data: v.data.slice() })),
          backend: models.backend,
          folds: models.folds.length ? models.folds : undefined,
          checkpoint: entry.checkpoint,
          tta: models.tta,
          tileStepSize: models.tileStepSize,
          resampleLabels: models.resampleLabels,
          postprocessing: models.crossvalPostprocessing ? 'crossval' : 'root',
          gpuKernels: models.gpuKernels,
        },
        {
          signal: job.signal,
          onProgress: (p) => {
            // a cascade prefixes each stage's progress with its configuration ("3d_lowres · network")
            const network = p.stage?.endsWith('network') ?? false;
            const stage = network ? p.stage!.slice(0, -'network'.length) : '';
            job.update({
              stage: network
                ? `${stage}network on ${models.backend === 'wasm' ? 'wasm' : 'GPU/wasm'}: tile ${Math.floor(p.done)} of ${p.total}`
                : p.stage,
              done: network ? p.done : 0,
              total: network ? p.total : 0,
              ...(network && p.done === 1 ? { startedAt: performance.now() } : {}),
            });
          },
          onEvent: (e) => {
            if (e.type === 'backend-fallback') useStore.getState().showInfo(e.reason);
          },
        },
      );
    },
  });
  if (!result) return;
  const labels = entry.summary?.labels ?? [];
  const names: Record<number, string> = {};
  const colors: Record<number, [number, number, number]> = {};
  for (const l of labels) {
    names[l.value] = l.name;
    if (l.color && l.value > 0) colors[l.value] = l.color;
  }
  useStore.getState().addLabelMap({
    id: newId('labels'),
    scanId: scan.id,
    name: `${entry.name} on ${scan.name}`,
    data: result.labels,
    names,
    colors: Object.keys(colors).length ? colors : undefined,
    origin: 'segmentation',
    demonstration: entry.demonstration,
  });
  useStore.setState({
    lastSegmentation: {
      backend: result.backend,
      kernels: result.kernels,
      kernelsNote: result.kernelsNote,
      tiles: result.tiles,
      timings: result.timings,
      totalMs: performance.now() - t0,
      fallbackReason: result.fallbackReason,
      postprocessing: result.postprocessing,
      work: runWork(entry, volumes[0], result.tiles, models.resampleLabels),
    },
  });
}

/** The work a finished run did (see estimate-time.ts), for an nnU-Net model; undefined for a model card. */
function runWork(
  entry: ModelEntry,
  scan: Volume,
  evaluations: number,
  resampleLabels: boolean,
): SegmentationSummary['work'] {
  const d = entry.details;
  if (!d || !('configuration' in d)) return undefined;
  return {
    ...predictionWork(
      d as NnunetModelInfo,
      zyxShape(scan),
      evaluations,
      inferencePoolSize(navigator.hardwareConcurrency),
    ),
    resampleLabels,
  };
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

/**
 * The volumes of the case to segment: the active scan for a one-channel model; for a multi-channel model one
 * scan per channel, as assigned in the Segment panel, all on one grid (checked here, before anything runs).
 */
export function caseVolumes(scan: Scan, entry: ModelEntry): Volume[] {
  const channels = modelChannelNames(entry);
  if (channels.length <= 1) return [scan.volume];
  const scans = useStore.getState().scans;
  const ids = assignChannels(channels, scans, useModels.getState().channelScans);
  const volumes = ids.map((id, c) => {
    const s = scans.find((x) => x.id === id);
    if (!s)
      throw new TesseraError(
        'bad-argument',
        entry.name,
        `needs ${channels.length} channels (${channels.join(', ')}): load a scan for ${channels[c]}`,
      );
    return s.volume;
  });
  for (const v of volumes.slice(1)) assertLabelGrid(volumes[0], v);
  return volumes;
}

/** The model's input channel names in order (dataset.json channel_names), or one unnamed channel. */
export function modelChannelNames(entry: ModelEntry): string[] {
  const details = entry.details as { channel_names?: Record<string, string> } | undefined;
  const names = details?.channel_names ? Object.values(details.channel_names) : [];
  const n = entry.summary?.inputChannels ?? 1;
  return Array.from({ length: n }, (_, c) => names[c] ?? `channel ${c}`);
}

/** "webgpu (Tessera kernels)" where the engine's WGSL kernels ran the network. */
export function backendText(r: { backend: string; kernels?: string }): string {
  return r.backend === 'webgpu' && r.kernels === 'tessera' ? 'webgpu (Tessera kernels)' : r.backend;
}
