/**
 * nnUNetv2_evaluate_folder: every prediction in the prediction folder (files ending in the dataset's
 * `file_ending`, sorted) is scored against the reference of the same name; without `chill` each
 * reference must have its prediction. Paths in the summary are the folders as given joined with the
 * file names, as Python's os.path.join writes them.
 */
import type { FileTree } from '../dataset/file-tree';
import { filesDirectlyIn, isJunkName } from '../dataset/file-tree';
import { TesseraError } from '../errors';
import { readVolume } from '../io/volume/read-volume';
import { parseDatasetJson } from '../nnunet/dataset-json';
import { caseMetrics } from './case-metrics';
import { evaluationTargets } from './regions';
import { type CaseResult, type EvaluationSummary, summarize } from './summary';

export interface EvaluateFolderInput {
  reference: FileTree;
  prediction: FileTree;
  /** the folders as the user wrote them (they end up in summary.json) */
  referencePath: string;
  predictionPath: string;
  datasetJsonText: string;
  datasetJsonName: string;
  /** do not require a prediction for every reference */
  chill?: boolean;
  onProgress?: (done: number, total: number, file: string) => void;
}

/** Python's os.path.join for two parts. */
export function pyJoin(folder: string, name: string): string {
  if (folder === '' || folder.endsWith('/')) return `${folder}${name}`;
  return `${folder}/${name}`;
}

function listSegmentations(tree: FileTree, ending: string): string[] {
  return filesDirectlyIn(tree, '').filter((f) => f.endsWith(ending) && !isJunkName(f));
}

export async function evaluateFolder(input: EvaluateFolderInput): Promise<EvaluationSummary> {
  let parsed: ReturnType<typeof parseDatasetJson>;
  try {
    parsed = parseDatasetJson(input.datasetJsonText);
  } catch (e) {
    if (e instanceof TesseraError) throw new TesseraError(e.code, input.datasetJsonName, e.detail);
    throw e;
  }
  const { file_ending: ending, labels, regions_class_order } = parsed.json;
  const { targets, ignoreLabel } = evaluationTargets(labels, regions_class_order, input.datasetJsonName);
  const predFiles = listSegmentations(input.prediction, ending);
  const refFiles = listSegmentations(input.reference, ending);
  if (!input.chill) {
    const missing = refFiles.find((f) => !predFiles.includes(f));
    if (missing !== undefined)
      throw new TesseraError(
        'not-found',
        pyJoin(input.predictionPath, missing),
        'is missing: not every reference has a prediction (use --chill to score the predictions there are)',
      );
  }
  if (predFiles.length === 0)
    throw new TesseraError('not-found', input.predictionPath, `holds no prediction ending in ${ending}`);
  const cases: CaseResult[] = [];
  for (const [i, f] of predFiles.entries()) {
    input.onProgress?.(i, predFiles.length, f);
    const refName = pyJoin(input.referencePath, f);
    const predName = pyJoin(input.predictionPath, f);
    if (!refFiles.includes(f))
      throw new TesseraError('not-found', refName, 'is missing: this prediction has no reference');
    const ref = await readVolume(await input.reference.read(f), refName);
    const pred = await readVolume(await input.prediction.read(f), predName);
    if (ref.shape.join() !== pred.shape.join())
      throw new TesseraError(
        'grid-mismatch',
        predName,
        `has shape ${pred.shape.join('×')} but its reference has ${ref.shape.join('×')}`,
      );
    cases.push({
      referenceFile: refName,
      predictionFile: predName,
      metrics: caseMetrics(ref.data, pred.data, targets, ignoreLabel),
    });
  }
  input.onProgress?.(predFiles.length, predFiles.length, '');
  return summarize(targets, cases);
}
