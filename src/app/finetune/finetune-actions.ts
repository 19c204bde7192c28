import { describeError } from '../../core/errors';
import { writeZip } from '../../core/io/archive/zip-writer';
import type { Volume } from '../../core/io/volume/volume';
import type { EpochEvent, IterationEvent, TrainerEvent } from '../../core/training/fine-tuner';
import type { PrepareRequest, PrepareSummary } from '../../core/training/trainer-service';
import { downloadBlob } from '../actions/download';
import { caseVolumes } from '../actions/segment';
import { runJob } from '../jobs';
import type { ModelEntry } from '../models/models-store';
import { importModel, modelFiles, useModels } from '../models/models-store';
import type { Scan } from '../store';
import { useStore } from '../store';
import { trainWorker } from '../workers';
import { useFineTune } from './finetune-store';
import { applyMapping, mapLabels } from './label-mapping';
import { NNUNET_FOLDS } from './training-data';

/** The scans (with their shown label map) chosen for training, labels mapped into the model's values. */
function trainingCases(): PrepareRequest['cases'] {
  const s = useStore.getState();
  const ft = useFineTune.getState();
  const model = useModels.getState().models.find((m) => m.id === useModels.getState().activeModelId);
  if (!model?.summary) throw new Error('choose an nnU-Net model first');
  const cases: PrepareRequest['cases'] = [];
  // exactly the label maps the user ticked: never "whatever is shown"
  for (const id of ft.selected) {
    const map = s.labelMaps.find((m) => m.id === id);
    const scan = map && s.scans.find((x) => x.id === map.scanId);
    if (!scan || !map) continue;
    const mapping = mapLabels(map, model.summary);
    if (mapping.matched.length === 0)
      throw new Error(
        `${map.name}: none of its labels are the model's (${model.summary.labels.map((l) => l.name).join(', ')})`,
      );
    const labelVolume: Volume = {
      ...scan.volume,
      name: map.name,
      data: applyMapping(map.data, mapping),
      datatype: 'uint8',
    };
    cases.push({
      id: scan.name.replace(/\.(nii|nrrd|npy)(\.gz)?$/i, ''),
      // a multi-channel model: the channels assigned in Segment (the scan with the labels is one of them)
      images: trainingImages(scan, model).map((v) => ({ ...v, data: v.data.slice() })),
      label: labelVolume,
    });
  }
  if (cases.length === 0) throw new Error('choose at least one scan with a label map');
  return cases;
}

let prepared = false;

/**
 * Prepare (preprocess the cases, build the network on WebGPU or the CPU, load the weights) and run the
 * first iteration, timed: the estimate for the whole run is shown before Start.
 */
export async function prepareFineTune(): Promise<void> {
  const store = useStore.getState();
  const ft = useFineTune.getState();
  const models = useModels.getState();
  const entry = models.models.find((m) => m.id === models.activeModelId);
  if (entry?.summary?.kind !== 'nnunet') {
    store.showError('Fine-tuning needs an nnU-Net model (a results folder): choose one in the model list.');
    return;
  }
  useFineTune.setState({
    status: 'preparing',
    iterations: [],
    epochs: [],
    summary: null,
    message: null,
    estimate: null,
  });
  const ready = await runJob<number>({
    kind: 'finetune',
    title: `Preparing to fine-tune ${entry.name}`,
    stage: 'preparing',
    failure: 'Fine-tuning failed',
    summary: (iterationMs) =>
      `Ready to fine-tune: the first iteration took ${(iterationMs / 1000).toFixed(1)} s`,
    onCancel: () => useFineTune.setState({ status: 'idle' }),
    onError: (e) => useFineTune.setState({ status: 'failed', message: describeError(e) }),
    run: async (job) => {
      const { name, files } = await modelFiles(entry.id);
      const st = ft.settings;
      const cases = trainingCases();
      const summary = await trainWorker().call<PrepareSummary>(
        'train.prepare',
        {
          model: { name, files },
          cases,
          backend: st.backend,
          // nnU-Net's fold 0 when there are enough cases for its 5 folds; else "all" (validation = training)
          fold: cases.length >= NNUNET_FOLDS ? 0 : 'all',
          options: {
            epochs: st.epochs,
            iterationsPerEpoch: st.iterationsPerEpoch,
            valIterations: st.valIterations,
            initialLr: st.learningRate,
            batchSize: st.batchSize,
            freezeEncoder: st.freezeEncoder,
            ...(st.patchSize ? { patchSize: st.patchSize } : {}),
          },
        } satisfies PrepareRequest,
        { signal: job.signal, onProgress: (p) => job.update({ stage: p.stage }) },
      );
      useFineTune.setState({ summary, message: summary.backendNote ?? null });
      job.update({ stage: `timing the first iteration on ${summary.backend}` });
      const s0 = performance.now();
      const first = await trainWorker().call<{ iteration: TrainerEvent; epoch: EpochEvent | null }>(
        'train.step',
        {},
      );
      const iterationMs = performance.now() - s0;
      useFineTune.setState((s) => ({
        status: 'ready',
        iterations: [first.iteration as IterationEvent],
        epochs: first.epoch ? [first.epoch] : s.epochs,
        estimate: {
          iterationMs,
          steps: summary.totalSteps,
          totalMs: iterationMs * Math.max(0, summary.totalSteps - 1),
        },
      }));
      return iterationMs;
    },
  });
  prepared = ready !== undefined;
}

/** Train the prepared session to the end (its first iteration is already done). */
export async function startFineTune(): Promise<void> {
  const store = useStore.getState();
  const summary = useFineTune.getState().summary;
  const entry = useModels.getState().models.find((m) => m.id === useModels.getState().activeModelId);
  if (useFineTune.getState().status !== 'ready' || !summary || !prepared) {
    store.showError('Prepare first: the first iteration is timed before training starts.');
    return;
  }
  useFineTune.setState({ status: 'running' });
  await runJob<{ completed: boolean; epochs: number }>({
    kind: 'finetune',
    title: `Fine-tuning ${entry?.name ?? 'the model'}`,
    stage: `training on ${summary.backend}`,
    failure: 'Fine-tuning failed',
    summary: (r, ms) =>
      `Fine-tuned ${r.epochs} epoch(s) in ${(ms / 1000).toFixed(1)} s on ${summary.backend}`,
    onCancel: () => useFineTune.setState({ status: 'cancelled' }),
    onError: (e) => useFineTune.setState({ status: 'failed', message: describeError(e) }),
    run: async (job) => {
      job.update({ total: summary.totalSteps });
      const result = await trainWorker().call<{ completed: boolean; epochs: number }, TrainerEvent>(
        'train.run',
        {},
        {
          signal: job.signal,
          // the trainer's own typed events (loss, Dice, state)
          onEvent: (e) => {
            if (e.type === 'iteration') {
              useFineTune.setState((s) => ({ iterations: [...s.iterations, e as IterationEvent] }));
              job.update({
                done: e.step,
                stage: `iteration ${e.step}/${e.totalSteps} · loss ${e.loss.toFixed(3)}`,
              });
            } else if (e.type === 'epoch')
              useFineTune.setState((s) => ({ epochs: [...s.epochs, e as EpochEvent] }));
            else if (e.type === 'state')
              useFineTune.setState({
                status:
                  e.state === 'running'
                    ? 'running'
                    : e.state === 'paused'
                      ? 'paused'
                      : useFineTune.getState().status,
              });
          },
        },
      );
      useFineTune.setState({ status: result.completed ? 'done' : 'cancelled' });
      return result;
    },
  });
}

export function pauseFineTune(paused: boolean): void {
  void trainWorker().call(paused ? 'train.pause' : 'train.resume', {});
  useFineTune.setState({ status: paused ? 'paused' : 'running' });
}

export function cancelFineTune(): void {
  // the running job's Cancel (runJob owns the AbortController)
  useStore
    .getState()
    .jobs.find((j) => j.kind === 'finetune')
    ?.cancel?.();
}

interface Exported {
  checkpoint: Uint8Array;
  onnx: Uint8Array | null;
  fold: number | 'all';
  plansJson: string;
  datasetJson: string;
}

/**
 * The fine-tuned weights as an nnU-Net results folder (plans.json, dataset.json, fold_X/checkpoint_final.pth),
 * with `model.onnx` beside them when asked (the download; the model list reads the checkpoint).
 */
async function exportResultsFolder(withOnnx = false): Promise<{ path: string; file: Blob }[]> {
  const r = await trainWorker().call<Exported>('train.export', { checkpoint: true, onnx: withOnnx });
  const enc = new TextEncoder();
  const onnx =
    withOnnx && r.onnx ? [{ path: 'model.onnx', file: new Blob([r.onnx as Uint8Array<ArrayBuffer>]) }] : [];
  return [
    ...onnx,
    { path: 'plans.json', file: new Blob([enc.encode(r.plansJson)]) },
    { path: 'dataset.json', file: new Blob([enc.encode(r.datasetJson)]) },
    {
      path: `fold_${r.fold}/checkpoint_final.pth`,
      file: new Blob([r.checkpoint as Uint8Array<ArrayBuffer>]),
    },
  ];
}

/** Add the fine-tuned model to the model list (kept in browser storage) and select it, ready to Segment. */
export async function adoptFineTunedModel(): Promise<void> {
  const store = useStore.getState();
  try {
    const base = useModels.getState().models.find((m) => m.id === useModels.getState().activeModelId);
    const files = await exportResultsFolder();
    const name = `${base?.name ?? 'model'} (fine-tuned)`;
    const model = await importModel(name, files, 'fine-tuned', name);
    useModels.setState({ activeModelId: model.id });
    store.showInfo(`${model.name} is in the model list: Segment with it.`);
  } catch (e) {
    store.showError(`The fine-tuned model could not be exported: ${describeError(e)}`);
  }
}

/** Download the results folder as a zip nnU-Net reads (nnUNetv2_predict -i … -d … after unzipping). */
export async function downloadFineTunedModel(): Promise<void> {
  try {
    const files = await exportResultsFolder(true);
    const config = useFineTune.getState().summary?.configuration ?? '3d_fullres';
    const folder = `nnUNetTrainer__nnUNetPlans__${config}`;
    const zip = writeZip(
      await Promise.all(
        files.map(async (f) => ({
          name: `${folder}/${f.path}`,
          data: new Uint8Array(await f.file.arrayBuffer()),
        })),
      ),
      { modified: new Date() },
    );
    downloadBlob(`${folder}_finetuned.zip`, new Blob([zip], { type: 'application/zip' }));
  } catch (e) {
    useStore.getState().showError(`The fine-tuned model could not be exported: ${describeError(e)}`);
  }
}

/** The images of a training case: the scan itself, or for a multi-channel model its assigned channels. */
function trainingImages(scan: Scan, model: ModelEntry): Volume[] {
  const volumes = caseVolumes(scan, model);
  if (volumes.length > 1 && !volumes.includes(scan.volume))
    throw new Error(
      `${scan.name} is not one of the channels chosen in Segment for ${model.name}: choose its channels there first`,
    );
  return volumes;
}
