import { create } from 'zustand';
import type { AssemblyPlan } from '../../core/dataset/assemble';
import { type BuilderFolder, type FolderRole, planRequest } from '../../core/dataset/assemble-request';
import type { DroppedFile } from '../actions/dropped-files';

/** The Dataset builder's folders and choices; the names-only check re-runs on every change. */
interface BuilderState {
  folders: BuilderFolder[];
  datasetName: string;
  allowMissingLabels: boolean;
  plan: AssemblyPlan | null;
  /** the last build: a zip of the raw dataset */
  built: { datasetName: string; zip: Blob; cases: number; testCases: number } | null;
  addFolders(files: DroppedFile[]): void;
  update(index: number, patch: Partial<Pick<BuilderFolder, 'role' | 'name'>>): void;
  move(index: number, by: -1 | 1): void;
  remove(index: number): void;
  setDatasetName(name: string): void;
  setAllowMissingLabels(allow: boolean): void;
  setBuilt(built: BuilderState['built']): void;
}

/** Dropped files grouped by their top folder (loose files form a folder of their own). */
function groupByFolder(files: DroppedFile[]): Map<string, DroppedFile[]> {
  const out = new Map<string, DroppedFile[]>();
  for (const f of files) {
    const slash = f.path.indexOf('/');
    const folder = slash > 0 ? f.path.slice(0, slash) : 'files';
    const rel = slash > 0 ? f.path.slice(slash + 1) : f.path;
    out.set(folder, [...(out.get(folder) ?? []), { path: rel, file: f.file }]);
  }
  return out;
}

function withPlan(s: Pick<BuilderState, 'folders' | 'datasetName' | 'allowMissingLabels'>) {
  const used = s.folders.filter((f) => f.role !== 'skip');
  const plan = used.length
    ? planRequest({
        datasetName: s.datasetName,
        folders: s.folders,
        allowMissingLabels: s.allowMissingLabels,
      })
    : null;
  return { ...s, plan, built: null };
}

/** A first guess the user corrects: image-like folder names are channels, the rest labels. */
function guessRole(folder: string, existing: BuilderFolder[]): FolderRole {
  if (/^(images?|imgs?|scans?|ct|mri?|t1|t2|flair|adc|volumes?|imagesTr)$/i.test(folder)) return 'image';
  if (/^(imagesTs|test)$/i.test(folder)) return 'test';
  return existing.some((f) => f.role === 'image') ? 'label' : 'image';
}

export const useBuilder = create<BuilderState>((set, get) => ({
  folders: [],
  datasetName: 'Dataset501_MyData',
  allowMissingLabels: false,
  plan: null,
  built: null,
  addFolders(files) {
    const folders = [...get().folders];
    for (const [folder, list] of groupByFolder(files)) {
      const role = guessRole(folder, folders);
      const channels = folders.filter((f) => f.role === 'image');
      const name =
        role === 'image'
          ? channels.length === 0
            ? 'CT'
            : `channel${channels.length}`
          : role === 'test'
            ? (channels[0]?.name ?? 'CT')
            : folder;
      const at = folders.findIndex((f) => f.folder === folder);
      const entry = { folder, role, name, files: list };
      if (at >= 0) folders[at] = { ...entry, role: folders[at].role, name: folders[at].name };
      else folders.push(entry);
    }
    set(withPlan({ ...get(), folders }));
  },
  update(index, patch) {
    const current = get().folders;
    const channels = current.filter((f) => f.role === 'image').map((f) => f.name);
    // test images belong to a channel: offer the first one rather than the folder's name
    if (patch.role === 'test' && patch.name === undefined && !channels.includes(current[index].name))
      patch = { ...patch, name: channels[0] ?? current[index].name };
    const folders = current.map((f, i) => (i === index ? { ...f, ...patch } : f));
    set(withPlan({ ...get(), folders }));
  },
  move(index, by) {
    const folders = [...get().folders];
    const j = index + by;
    if (j < 0 || j >= folders.length) return;
    [folders[index], folders[j]] = [folders[j], folders[index]];
    set(withPlan({ ...get(), folders }));
  },
  remove(index) {
    set(withPlan({ ...get(), folders: get().folders.filter((_, i) => i !== index) }));
  },
  setDatasetName: (datasetName) => set(withPlan({ ...get(), datasetName })),
  setAllowMissingLabels: (allowMissingLabels) => set(withPlan({ ...get(), allowMissingLabels })),
  setBuilt: (built) => set({ built }),
}));
