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

/** The scans (with their shown label map) chosen for training, labels mapped into the model's values. */
function trainingCases(): PrepareRequest['cases'] {
  const s = useStore.getState();
  const ft = useFineTune.getState();
  const model = useModels.getState().models.find((m) => m.id === useModels.getState().activeModelId);
  if (!model?.summary) throw new Error('choose an nnU-Net model first');
  const cases: PrepareRequest['cases'] = [];
  for (const id of ft.selected) {
    const scan = s.scans.find((x) => x.id === id);
    const labels = s.labelMaps.filter((m) => m.scanId === id);
    const map = labels.find((m) => m.id === s.activeLabelMapId) ?? labels.at(-1);
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

/** Prepare (preprocess the cases, build the network on WebGPU or the CPU, load the weights) and train. */
export async function startFineTune(): Promise<void> {
  const store = useStore.getState();
  const ft = useFineTune.getState();
  const models = useModels.getState();
  const entry = models.models.find((m) => m.id === models.activeModelId);
  if (entry?.summary?.kind !== 'nnunet') {
    store.showError('Fine-tuning needs an nnU-Net model (a results folder): choose one in the model list.');
    return;
  }
  useFineTune.setState({ status: 'preparing', iterations: [], epochs: [], summary: null, message: null });
  let backend = '';
  await runJob<{ completed: boolean; epochs: number }>({
    kind: 'finetune',
    title: `Fine-tuning ${entry.name}`,
    stage: 'preparing',
    failure: 'Fine-tuning failed',
    summary: (r, ms) => `Fine-tuned ${r.epochs} epoch(s) in ${(ms / 1000).toFixed(1)} s on ${backend}`,
    onCancel: () => useFineTune.setState({ status: 'cancelled' }),
    onError: (e) => useFineTune.setState({ status: 'failed', message: describeError(e) }),
    run: async (job) => {
      const { name, files } = await modelFiles(entry.id);
      const st = ft.settings;
      const summary = await trainWorker().call<PrepareSummary>(
        'train.prepare',
        {
          model: { name, files },
          cases: trainingCases(),
          backend: st.backend,
          fold: 'all',
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
      backend = summary.backend;
      useFineTune.setState({ summary, status: 'running', message: summary.backendNote ?? null });
      job.update({
        stage: `training on ${summary.backend}`,
        total: summary.totalSteps,
        startedAt: performance.now(),
      });
      const result = await trainWorker().call<{ completed: boolean; epochs: number }, TrainerEvent>(
        'train.run',
        {},
        {
          signal: job.signal,
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
  // the job's Cancel (runJob owns the AbortController)
  useStore
    .getState()
    .jobs.find((j) => j.kind === 'finetune')
    ?.cancel?.();
}

interface Exported {
  checkpoint: Uint8Array;
  fold: number | 'all';
  plansJson: string;
  datasetJson: string;
}

/** The fine-tuned weights as an nnU-Net results folder (plans.json, dataset.json, fold_X/checkpoint_final.pth). */
async function exportResultsFolder(): Promise<{ path: string; file: Blob }[]> {
  const r = await trainWorker().call<Exported>('train.export', { checkpoint: true, onnx: false });
  const enc = new TextEncoder();
  return [
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
    const files = await exportResultsFolder();
    const config = useFineTune.getState().summary?.configuration ?? '3d_fullres';
    const folder = `nnUNetTrainer__nnUNetPlans__${config}`;
    const zip = writeZip(
      await Promise.all(
        files.map(async (f) => ({
          name: `${folder}/${f.path}`,
          data: new Uint8Array(await f.file.arrayBuffer()),
        })),
      ),
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
