import path from 'node:path';
import { TesseraError } from '../core/errors';
import { openPredictor, type PredictorRuntime } from '../core/inference/predictor';
import type { Volume, VoxelArray } from '../core/io/volume/volume';
import { assertLabelGrid } from '../core/io/volume/volume';
import type { ModelBundle } from '../core/model/bundle/open-bundle';
import { readVolumeFile } from './node-files';

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
  runtime: PredictorRuntime,
  o: { folds: string[]; step: number; tta: boolean },
): Promise<PreviousStage> {
  const stage = bundle.kind === 'nnunet' ? bundle.model.plans.previous_stage : undefined;
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
  // nnUNetv2_predict of the previous stage: no postprocessing
  const predictor = await openPredictor(prev, runtime, { folds: o.folds, postprocessing: 'none' });
  return {
    describe: `${stage} stage first (${target}, ${predictor.description})`,
    async segmentation(id, volumes) {
      const r = await predictor.predict({ name: id, volumes }, { step: o.step, tta: o.tta });
      return r.labels;
    },
    release: () => predictor.release(),
  };
}
