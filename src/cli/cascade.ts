import path from 'node:path';
import { TesseraError } from '../core/errors';
import { createModelNetworks } from '../core/inference/model-networks';
import type { Backend, OrtLike } from '../core/inference/onnx-network';
import { predictCase } from '../core/inference/predict-case';
import type { Volume, VoxelArray } from '../core/io/volume/volume';
import { assertLabelGrid, zyxShape, zyxSpacing } from '../core/io/volume/volume';
import type { ModelBundle } from '../core/model/bundle/open-bundle';
import { readVolumeFile } from './node-files';

/** The configuration a cascade stage builds on (plans: `previous_stage`), or undefined. */
export function previousStageOf(bundle: ModelBundle): string | undefined {
  if (bundle.kind !== 'nnunet') return undefined;
  const plans = bundle.model.folder.plans as { configurations?: Record<string, { previous_stage?: string }> };
  return plans.configurations?.[bundle.model.configuration]?.previous_stage ?? undefined;
}

/** Where a cascade stage's segmentation of a case comes from. */
export interface PreviousStage {
  describe: string;
  segmentation(id: string, volumes: Volume[]): Promise<VoxelArray>;
  release(): Promise<void>;
}

/** -prev_stage_predictions: `<folder>/<case><file_ending>`, on the case's grid, as nnU-Net reads it. */
export function previousStageFromFolder(folder: string, ending: string): PreviousStage {
  return {
    describe: `previous stage from ${folder}`,
    async segmentation(id, volumes) {
      const file = path.join(folder, `${id}${ending}`);
      const seg = await readVolumeFile(file).catch((e) => {
        if (e instanceof TesseraError && e.code === 'not-found')
          throw new TesseraError(
            'not-found',
            file,
            'is missing: -prev_stage_predictions must hold every case',
          );
        throw e;
      });
      assertLabelGrid(volumes[0], seg);
      return seg.data;
    },
    async release() {},
  };
}

/**
 * No previous predictions given: run the previous stage's results folder (nnU-Net's layout puts it beside
 * this one: <trainer>__<plans>__3d_lowres) on each case first, with the same folds, step and TTA.
 */
export async function previousStageFromModel(
  bundle: ModelBundle,
  modelPath: string,
  open: (target: string, configuration: string) => Promise<ModelBundle>,
  ort: OrtLike,
  o: { backend: Backend; folds: string[]; threads: number; step: number; tta: boolean },
): Promise<PreviousStage> {
  const stage = previousStageOf(bundle);
  if (!stage || bundle.kind !== 'nnunet') throw new Error('not a cascade stage');
  const resolved = path.resolve(modelPath);
  const suffix = `__${bundle.model.configuration}`;
  const target = resolved.endsWith(suffix)
    ? `${resolved.slice(0, -suffix.length)}__${stage}`
    : resolved.replace(/[/\\]$/, '');
  let prev: ModelBundle;
  try {
    prev = await open(target, stage);
  } catch (e) {
    throw new TesseraError(
      'not-found',
      target,
      `${bundle.model.configuration} needs the ${stage} stage first: give its segmentations with -prev_stage_predictions, or put its results folder here (${(e as Error).message})`,
    );
  }
  if (prev.kind !== 'nnunet')
    throw new TesseraError('bad-model', target, `is not an nnU-Net ${stage} results folder`);
  const nets = await createModelNetworks(ort, prev, {
    backend: o.backend,
    folds: o.folds,
    threads: o.threads,
  });
  return {
    describe: `${stage} stage first (${target}, fold(s) ${nets.folds.join(', ')})`,
    async segmentation(id, volumes) {
      const ref = volumes[0];
      const r = await predictCase(
        { channels: volumes.map((v) => v.data), shape: zyxShape(ref), spacing: zyxSpacing(ref), name: id },
        prev.model.folder.plans,
        prev.model.configuration,
        prev.model.folder.datasetJson,
        nets.networks.map((n) => n.run),
        prev.model.spec.patchSize,
        { tileStepSize: o.step, mirrorAxes: o.tta ? nets.mirrorAxes : [] },
      );
      return r.labels;
    },
    release: () => nets.release(),
  };
}
