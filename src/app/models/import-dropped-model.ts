import type { DroppedFile } from '../actions/dropped-files';
import { registerFolderHandler } from '../actions/route-drop';
import { runJob } from '../jobs';
import { useStore } from '../store';
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
  const name = files[0].path.includes('/')
    ? files[0].path.split('/')[0]
    : files[0].path.replace(/\.zip$/i, '');
  const model = await runJob({
    kind: 'import-model',
    title: `Importing model ${name}`,
    stage: 'checking the files',
    cancellable: false,
    failure: 'The model could not be imported',
    hint: 'A results folder needs plans.json, dataset.json and fold_X/checkpoint_final.pth; an ONNX model needs its model-card.json.',
    summary: (m) =>
      `Imported ${m.name}${m.persisted ? '' : ' (this browser cannot store it: it lasts this session only)'}`,
    run: () => {
      // paths relative to the dropped folder itself
      const prefix = files.every((f) => f.path.startsWith(`${name}/`)) ? `${name}/` : '';
      return importModel(
        name,
        files.map((f) => ({ path: f.path.slice(prefix.length), file: f.file })),
      );
    },
  });
  if (model) useStore.getState().setMode('segment');
}

registerFolderHandler({ matches: looksLikeModel, open: importDroppedModel });
