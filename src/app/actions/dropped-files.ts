/** A file with its path relative to what was dropped (folders keep their structure). */
export interface DroppedFile {
  path: string;
  file: File;
}

interface Entry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  file?(ok: (f: File) => void, fail: (e: unknown) => void): void;
  createReader?(): { readEntries(ok: (entries: Entry[]) => void, fail: (e: unknown) => void): void };
}

/** Walk a drop (files and whole folders, recursively) into a flat list of files with relative paths. */
export async function collectDroppedFiles(dt: DataTransfer): Promise<DroppedFile[]> {
  const entries: Entry[] = [];
  for (const item of Array.from(dt.items)) {
    const entry = (item as DataTransferItem & { webkitGetAsEntry?: () => Entry | null }).webkitGetAsEntry?.();
    if (entry) entries.push(entry);
  }
  if (entries.length === 0) return Array.from(dt.files).map((file) => ({ path: file.name, file }));
  const out: DroppedFile[] = [];
  const walk = async (entry: Entry, prefix: string): Promise<void> => {
    if (entry.isFile && entry.file) {
      const file = await new Promise<File>((ok, fail) => entry.file?.(ok, fail));
      out.push({ path: prefix + entry.name, file });
    } else if (entry.isDirectory && entry.createReader) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise<Entry[]>((ok, fail) => reader.readEntries(ok, fail));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const e of entries) await walk(e, '');
  return out;
}

/** Files from an <input type=file> (webkitdirectory inputs give relative paths). */
export function collectInputFiles(list: FileList | null): DroppedFile[] {
  return Array.from(list ?? []).map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}
