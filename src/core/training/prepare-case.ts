import { TesseraError } from '../errors';
import type { Volume } from '../io/volume/volume';
import { frameCount, zyxShape, zyxSpacing } from '../io/volume/volume';
import { labelManager } from '../nnunet/labels';
import type { LabelDict } from '../preprocessing/class-locations';
import type { PreprocessingPlans } from '../preprocessing/plans-view';
import { preprocessCase } from '../preprocessing/preprocess-case';
import type { TrainingCase } from './training-case';

/**
 * One raw training case (image channels + label map) through nnU-Net's preprocessing for the model's
 * plans (transpose, crop to nonzero, normalisation with the plans' intensity properties, resampling to
 * the configuration's spacing, class locations), ready for the patch sampler.
 */
export function prepareTrainingCase(
  id: string,
  images: Volume[],
  label: Volume,
  plans: PreprocessingPlans,
  labels: LabelDict,
): TrainingCase {
  const ref = images[0];
  const shape = zyxShape(ref);
  for (const v of [...images.slice(1), label]) {
    const s = zyxShape(v);
    if (frameCount(v) !== 1 || s.some((x, i) => x !== shape[i]))
      throw new TesseraError('grid-mismatch', v.name, `does not match ${ref.name} (${shape.join('×')})`);
  }
  const p = preprocessCase(
    { channels: images.map((v) => v.data), shape, spacing: zyxSpacing(ref), label: label.data, name: id },
    plans,
    { labels },
  );
  return { id, data: p.data, seg: p.seg, shape: p.shape, classLocations: p.classLocations ?? {} };
}

/**
 * The label setups the trainer implements: plain labels with DC_and_CE_loss. Region-based training
 * (DC_and_BCE_loss, sigmoid heads) and an ignore label (masked loss) are refused, naming the file.
 */
export function assertTrainableLabels(datasetJson: unknown, file = 'dataset.json'): void {
  const s = labelManager(datasetJson, file);
  if (s.hasRegions)
    throw new TesseraError(
      'bad-dataset',
      file,
      'declares regions: region-based training is not supported yet',
    );
  if (s.ignoreLabel !== null)
    throw new TesseraError(
      'bad-dataset',
      file,
      'declares an "ignore" label: training with it is not supported yet',
    );
  // sorted and starting at background 0: consecutive exactly when each value is its own index
  if (s.allLabels.some((v, i) => v !== i))
    throw new TesseraError('bad-dataset', file, 'label values must be consecutive from 0');
}
