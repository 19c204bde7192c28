/**
 * Imported models persist in the Origin Private File System (OPFS), so a reload needs no re-import:
 * `tessera-models/<id>/<relative path>` plus `tessera-models/index.json` (what the model list shows).
 * Where OPFS is missing (some private modes) models live for the session only, and the list says so.
 */
export interface StoredModelEntry {
  id: string;
  name: string;
  paths: string[];
  sizeBytes: number;
  importedAt: string;
}

const ROOT = 'tessera-models';

async function root(): Promise<FileSystemDirectoryHandle | null> {
  try {
    const dir = await navigator.storage.getDirectory();
    return await dir.getDirectoryHandle(ROOT, { create: true });
  } catch {
    return null;
  }
}

export async function storageAvailable(): Promise<boolean> {
  return (await root()) !== null;
}

async function readIndex(dir: FileSystemDirectoryHandle): Promise<StoredModelEntry[]> {
  try {
    const f = await (await dir.getFileHandle('index.json')).getFile();
    return JSON.parse(await f.text()) as StoredModelEntry[];
  } catch {
    return [];
  }
}

async function writeFile(dir: FileSystemDirectoryHandle, path: string, data: Blob | string): Promise<void> {
  const parts = path.split('/').filter(Boolean);
  let d = dir;
  for (const p of parts.slice(0, -1)) d = await d.getDirectoryHandle(p, { create: true });
  const handle = await d.getFileHandle(parts.at(-1)!, { create: true });
  const w = await handle.createWritable();
  await w.write(data);
  await w.close();
}

async function writeIndex(dir: FileSystemDirectoryHandle, entries: StoredModelEntry[]): Promise<void> {
  await writeFile(dir, 'index.json', JSON.stringify(entries, null, 1));
}

export async function listStoredModels(): Promise<StoredModelEntry[]> {
  const dir = await root();
  return dir ? readIndex(dir) : [];
}

/** Copy a model's files into OPFS; false when there is no OPFS (the model then lasts this session). */
export async function storeModel(
  entry: StoredModelEntry,
  files: { path: string; file: Blob }[],
): Promise<boolean> {
  const dir = await root();
  if (!dir) return false;
  const modelDir = await dir.getDirectoryHandle(entry.id, { create: true });
  for (const f of files) await writeFile(modelDir, f.path, f.file);
  const index = (await readIndex(dir)).filter((e) => e.id !== entry.id);
  await writeIndex(dir, [...index, entry]);
  return true;
}

/** The stored files as File objects (read lazily from disk by whoever reads them). */
export async function storedModelFiles(entry: StoredModelEntry): Promise<{ path: string; file: Blob }[]> {
  const dir = await root();
  if (!dir) throw new Error('browser storage is not available');
  const modelDir = await dir.getDirectoryHandle(entry.id);
  const out: { path: string; file: Blob }[] = [];
  for (const path of entry.paths) {
    const parts = path.split('/');
    let d = modelDir;
    for (const p of parts.slice(0, -1)) d = await d.getDirectoryHandle(p);
    out.push({ path, file: await (await d.getFileHandle(parts.at(-1)!)).getFile() });
  }
  return out;
}

export async function deleteStoredModel(id: string): Promise<void> {
  const dir = await root();
  if (!dir) return;
  await dir.removeEntry(id, { recursive: true }).catch(() => {});
  await writeIndex(
    dir,
    (await readIndex(dir)).filter((e) => e.id !== id),
  );
}
