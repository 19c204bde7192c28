import { create } from 'zustand';
import type { InspectedModel } from '../../core/model/bundle/model-service';
import type { ModelSummary } from '../../core/model/bundle/open-bundle';
import { type CheckpointChoice, checkpointNamesInFolds } from '../../core/model/bundle/results-folder';
import { fetchShipped } from '../fetch-shipped';
import { uniqueName } from '../unique-name';
import { inspectModelFiles } from '../workers';
import {
  deleteStoredModel,
  listStoredModels,
  type StoredModelEntry,
  storedModelFiles,
  storeModel,
} from './model-storage';

/** A model the page can segment with: built-in (shipped in public/models) or imported by the user. */
export interface ModelEntry {
  id: string;
  name: string;
  origin: 'builtin' | 'imported' | 'fine-tuned';
  summary: ModelSummary | null;
  details: InspectedModel['details'] | null;
  /** a scan the model is meant for (built-in demos) */
  demoScan?: string;
  /** A demonstration network (built-in, tiny): its volumes are not measurements. */
  demonstration?: boolean;
  /** false when the browser had no storage for it: gone after a reload */
  persisted: boolean;
  error?: string;
  /** nnU-Net's -chk for this model (the checkpoint picker); undefined = final, else best. */
  checkpoint?: CheckpointChoice;
  /** Checkpoint file names its fold_N/ folders hold, for the picker. */
  checkpointNames?: string[];
}

export type BackendChoice = 'auto' | 'webgpu' | 'wasm';

interface ModelsState {
  models: ModelEntry[];
  activeModelId: string | null;
  tta: boolean;
  tileStepSize: number;
  backend: BackendChoice;
  /** WebGPU: nnU-Net folds on Tessera's own WGSL kernels or onnxruntime-web's */
  gpuKernels: 'tessera' | 'onnxruntime';
  setGpuKernels(v: 'tessera' | 'onnxruntime'): void;
  /** folds to use; empty = all */
  folds: string[];
  /** apply the cross-validation postprocessing.json (nnU-Net applies none unless asked) */
  crossvalPostprocessing: boolean;
  setCrossvalPostprocessing(v: boolean): void;
  /** TotalSegmentator's fast export: labels brought back nearest-neighbour (not nnU-Net-exact) */
  resampleLabels: boolean;
  setResampleLabels(v: boolean): void;
  /** multi-channel models: the scan chosen for each input channel (null: not chosen, matched automatically) */
  channelScans: (string | null)[];
  setChannelScan(channel: number, scanId: string): void;
  setActiveModel(id: string): void;
  setTta(v: boolean): void;
  setTileStepSize(v: number): void;
  setBackend(v: BackendChoice): void;
  setFolds(v: string[]): void;
}

export const useModels = create<ModelsState>((set) => ({
  models: [],
  activeModelId: null,
  tta: false,
  tileStepSize: 0.5,
  backend: 'auto',
  gpuKernels: 'tessera',
  setGpuKernels: (gpuKernels) => set({ gpuKernels }),
  folds: [],
  crossvalPostprocessing: false,
  resampleLabels: false,
  setResampleLabels: (resampleLabels) => set({ resampleLabels }),
  channelScans: [],
  setChannelScan: (channel, scanId) =>
    set((s) => {
      const next = [...s.channelScans];
      next[channel] = scanId;
      return { channelScans: next };
    }),
  setCrossvalPostprocessing: (crossvalPostprocessing) => set({ crossvalPostprocessing }),
  setActiveModel: (activeModelId) => set({ activeModelId, folds: [], channelScans: [] }),
  setTta: (tta) => set({ tta }),
  setTileStepSize: (tileStepSize) => set({ tileStepSize }),
  setBackend: (backend) => set({ backend }),
  setFolds: (folds) => set({ folds }),
}));

/** Where each model's files come from (kept outside the store: loaders, not data). */
const fileSources = new Map<string, () => Promise<{ path: string; file: Blob }[]>>();

export async function modelFiles(
  id: string,
): Promise<{ name: string; files: { path: string; file: Blob }[] }> {
  const load = fileSources.get(id);
  const entry = useModels.getState().models.find((m) => m.id === id);
  if (!load || !entry) throw new Error(`model ${id} is not loaded`);
  return { name: entry.name, files: await load() };
}

interface BuiltinIndex {
  models: {
    id: string;
    name: string;
    base: string;
    files: string[];
    demoScan?: string;
    demonstration?: boolean;
  }[];
}

/** Built-in models (public/models/index.json) and the ones imported earlier (OPFS). */
export async function initModels(): Promise<void> {
  const entries: ModelEntry[] = [];
  try {
    const index = (await (await fetchShipped('models/index.json')).json()) as BuiltinIndex;
    for (const m of index.models) {
      fileSources.set(m.id, async () =>
        Promise.all(
          m.files.map(async (path) => {
            const r = await fetchShipped(m.base + path);
            return { path, file: await r.blob() };
          }),
        ),
      );
      entries.push({
        id: m.id,
        name: m.name,
        origin: 'builtin',
        summary: null,
        details: null,
        demoScan: m.demoScan,
        demonstration: m.demonstration === true,
        persisted: true,
      });
    }
  } catch {
    // no built-ins (a deployment without public/models): imported models still work
  }
  for (const s of await listStoredModels()) {
    fileSources.set(s.id, () => storedModelFiles(s));
    entries.push({
      id: s.id,
      name: s.name,
      origin: s.id.startsWith('finetuned-') ? 'fine-tuned' : 'imported',
      summary: null,
      details: null,
      persisted: true,
    });
  }
  useModels.setState((st) => ({
    models: [...entries, ...st.models.filter((m) => !entries.some((e) => e.id === m.id))],
    activeModelId: st.activeModelId ?? entries[0]?.id ?? null,
  }));
  // Summaries (labels, folds, configuration) come from the worker, one model at a time.
  for (const e of entries) void describeModel(e.id);
}

export async function describeModel(id: string): Promise<void> {
  try {
    const { name, files } = await modelFiles(id);
    const entry = useModels.getState().models.find((m) => m.id === id);
    const { inspected, checkpoint, checkpointNames } = await inspectWithFallback(
      name,
      files,
      entry?.checkpoint,
    );
    patch(id, {
      summary: inspected.summary,
      details: inspected.details,
      error: undefined,
      checkpoint,
      checkpointNames,
    });
  } catch (e) {
    patch(id, { error: (e as Error).message });
  }
}

/**
 * Inspect with the chosen checkpoint; when none was chosen and no fold has checkpoint_final.pth (or _best),
 * take the first checkpoint the folds do have — shown in the model list with why, and changeable.
 */
async function inspectWithFallback(
  name: string,
  files: { path: string; file: Blob }[],
  checkpoint: CheckpointChoice | undefined,
): Promise<{ inspected: InspectedModel; checkpoint?: CheckpointChoice; checkpointNames: string[] }> {
  const checkpointNames = checkpointNamesInFolds(files.map((f) => f.path));
  try {
    return { inspected: await inspectModelFiles(name, files, checkpoint), checkpoint, checkpointNames };
  } catch (e) {
    const other = checkpointNames.find((n) => n !== 'checkpoint_final.pth' && n !== 'checkpoint_best.pth');
    if (checkpoint || !other) throw e;
    const fallback = other as CheckpointChoice;
    return {
      inspected: await inspectModelFiles(name, files, fallback),
      checkpoint: fallback,
      checkpointNames,
    };
  }
}

/** The checkpoint picker: re-read the model's folds from another checkpoint file. */
export function setModelCheckpoint(id: string, checkpoint: CheckpointChoice | undefined): Promise<void> {
  patch(id, { checkpoint, summary: null });
  return describeModel(id);
}

function patch(id: string, p: Partial<ModelEntry>): void {
  useModels.setState((s) => ({ models: s.models.map((m) => (m.id === id ? { ...m, ...p } : m)) }));
}

/**
 * Import a dropped results folder, zip or ONNX bundle: checked by the worker first (a broken bundle is an
 * error naming the file and nothing is stored), then copied into browser storage.
 */
export async function importModel(
  name: string,
  files: { path: string; file: Blob }[],
  origin: ModelEntry['origin'] = 'imported',
  displayName?: string,
): Promise<ModelEntry> {
  const { inspected, checkpoint, checkpointNames } = await inspectWithFallback(name, files, undefined);
  const id = `${origin === 'fine-tuned' ? 'finetuned' : 'model'}-${Date.now().toString(36)}`;
  const entry: StoredModelEntry = {
    id,
    name: uniqueName(
      displayName ?? (inspected.summary.name || name),
      useModels.getState().models.map((m) => m.name),
    ),
    paths: files.map((f) => f.path),
    sizeBytes: files.reduce((n, f) => n + f.file.size, 0),
    importedAt: new Date().toISOString(),
  };
  const persisted = await storeModel(entry, files).catch(() => false);
  fileSources.set(id, persisted ? () => storedModelFiles(entry) : async () => files);
  const model: ModelEntry = {
    id,
    name: entry.name,
    origin,
    summary: inspected.summary,
    details: inspected.details,
    persisted,
    checkpoint,
    checkpointNames,
  };
  useModels.setState((s) => ({ models: [...s.models, model], activeModelId: id }));
  return model;
}

export async function removeModel(id: string): Promise<void> {
  await deleteStoredModel(id);
  fileSources.delete(id);
  useModels.setState((s) => {
    const models = s.models.filter((m) => m.id !== id);
    return { models, activeModelId: s.activeModelId === id ? (models[0]?.id ?? null) : s.activeModelId };
  });
}
