import { describeError } from '../../core/errors';
import { blobSource } from '../../core/io/archive/byte-source';
import { openZip } from '../../core/io/archive/zip-reader';
import { useStore } from '../store';
import type { DroppedFile } from './dropped-files';
import { loadFiles } from './load-volumes';

/**
 * One drop target for everything: nnU-Net datasets go to Plan, results folders and ONNX bundles to the
 * model list, volumes (and label tables) to the viewer. A lone zip is routed by its listing (read from
 * the zip's directory only, not unpacked).
 */
type FolderHandler = { matches(files: DroppedFile[]): boolean; open(files: DroppedFile[]): Promise<void> };
const folderHandlers: FolderHandler[] = [];

export function registerFolderHandler(h: FolderHandler): void {
  folderHandlers.push(h);
}

async function routingView(files: DroppedFile[]): Promise<DroppedFile[]> {
  if (files.length !== 1 || !files[0].path.toLowerCase().endsWith('.zip')) return files;
  const zip = await openZip(blobSource(files[0].file, files[0].path));
  return [...zip.entries.keys()].map((path) => ({ path, file: files[0].file }));
}

export async function routeDrop(files: DroppedFile[]): Promise<void> {
  if (files.length === 0) {
    useStore.getState().showError('Nothing to open: the dropped folder is empty.');
    return;
  }
  let view: DroppedFile[];
  try {
    view = await routingView(files);
  } catch (e) {
    useStore.getState().showError(describeError(e));
    return;
  }
  const handler = folderHandlers.find((h) => h.matches(view));
  if (handler) return handler.open(files);
  if (view !== files) {
    useStore
      .getState()
      .showError(
        `${files[0].path}: holds neither an nnU-Net dataset nor a model`,
        'A dataset has dataset.json and imagesTr/; a model has plans.json and fold_X/ or an .onnx with its model-card.json.',
      );
    return;
  }
  await loadFiles(files.map((f) => ({ name: f.path.split('/').pop() ?? f.path, file: f.file })));
}
