import { describeError } from '../../core/errors';
import type { DroppedFile } from '../actions/dropped-files';
import { registerFolderHandler } from '../actions/route-drop';
import { newId, useStore } from '../store';
import { importModel } from './models-store';

/** A drop is a model when it has a results folder's or an ONNX bundle's files. */
export function looksLikeModel(files: DroppedFile[]): boolean {
  return files.some(
    (f) => /(^|\/)(plans\.json|model-card\.json)$/.test(f.path) || /\.pth$|\.onnx$/.test(f.path),
  );
}

/** Import a model from dropped or picked files; switch to Segment mode with it selected. */
export async function importDroppedModel(files: DroppedFile[]): Promise<void> {
  if (files.length === 0) return;
  const store = useStore.getState();
  const name = files[0].path.includes('/')
    ? files[0].path.split('/')[0]
    : files[0].path.replace(/\.zip$/i, '');
  const jobId = newId('import');
  store.startJob({ id: jobId, title: `Importing model ${name}`, stage: 'checking the files' });
  try {
    // paths relative to the dropped folder itself
    const prefix = files.every((f) => f.path.startsWith(`${name}/`)) ? `${name}/` : '';
    const model = await importModel(
      name,
      files.map((f) => ({ path: f.path.slice(prefix.length), file: f.file })),
    );
    store.endJob(
      jobId,
      `Imported ${model.name}${model.persisted ? '' : ' (this browser cannot store it: it lasts this session only)'}`,
    );
    store.setMode('segment');
  } catch (e) {
    store.endJob(jobId);
    store.showError(
      `The model could not be imported: ${describeError(e)}`,
      'A results folder needs plans.json, dataset.json and fold_X/checkpoint_final.pth; an ONNX model needs its model-card.json.',
    );
  }
}

registerFolderHandler({ matches: looksLikeModel, open: importDroppedModel });
