import type { DroppedFile } from './dropped-files';
import { loadFiles } from './load-volumes';

/**
 * One drop target for everything: volumes (and label tables) go to the viewer; nnU-Net datasets and
 * results folders go to the modes that handle them once those are registered.
 */
type FolderHandler = { matches(files: DroppedFile[]): boolean; open(files: DroppedFile[]): Promise<void> };
const folderHandlers: FolderHandler[] = [];

export function registerFolderHandler(h: FolderHandler): void {
  folderHandlers.push(h);
}

export async function routeDrop(files: DroppedFile[]): Promise<void> {
  const handler = folderHandlers.find((h) => h.matches(files));
  if (handler) return handler.open(files);
  await loadFiles(files.map((f) => ({ name: f.path.split('/').pop() ?? f.path, file: f.file })));
}
