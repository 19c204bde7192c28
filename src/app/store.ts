import { create } from 'zustand';
import type { TimeEstimateInput } from '../core/inference/estimate-time';
import type { Volume, VoxelArray } from '../core/io/volume/volume';
import type { VolumeInfo } from '../core/io/volume/volume-info';
import type { JobKind } from '../core/parallel/job';

/** A scan the user loaded: the volume for processing and an uncompressed NIfTI of it for NiiVue. */
export interface Scan {
  id: string;
  name: string;
  volume: Volume;
  info: VolumeInfo;
  /** NIfTI-1 bytes sharing the voxel buffer with `volume.data` (one buffer, transferred from the worker). */
  display: Uint8Array;
  /** Looks like CT (Hounsfield units): window presets apply. */
  isCT: boolean;
}

/** A label map on a scan's grid: from a file, a demo, or a segmentation run. */
export interface LabelMap {
  id: string;
  scanId: string;
  name: string;
  data: VoxelArray;
  /** label value → name (background 0 is never drawn) */
  names: Record<number, string>;
  origin: 'file' | 'demo' | 'segmentation' | 'edited';
  /** bumped when the voxels change in place (edits), so views redraw */
  version?: number;
  /** explicit colours (from a model card); else the default palette */
  colors?: Record<number, [number, number, number]>;
  /** Made by a demonstration model: its volumes are not measurements (shown beside the table). */
  demonstration?: boolean;
}

export type Mode = 'view' | 'plan' | 'segment' | 'finetune';
export type Layout = 'axial' | 'coronal' | 'sagittal' | 'multiplanar' | 'render';
export type WindowPreset = 'auto' | 'soft-tissue' | 'bone' | 'lung' | 'brain';

export interface Job {
  id: string;
  kind: JobKind;
  title: string;
  stage?: string;
  done: number;
  total: number;
  startedAt: number;
  cancel?: () => void;
}

export interface Banner {
  id: string;
  message: string;
  hint?: string;
  kind: 'error' | 'info';
}

export interface BackendStatus {
  kind: 'webgpu' | 'wasm' | 'detecting';
  label: string;
  reason?: string;
}

export interface SegmentationSummary {
  backend: string;
  /** what ran the network on WebGPU: onnxruntime-web, or Tessera's WGSL kernels (with why not, if asked for) */
  kernels?: 'onnxruntime' | 'tessera';
  kernelsNote?: string;
  tiles: number;
  timings: { preprocessMs: number; networkMs: number; exportMs: number };
  totalMs: number;
  fallbackReason?: string;
  /** the postprocessing.json applied, if any */
  postprocessing?: string | null;
  /** what the run computed, so the page can time the next one at this machine's measured speeds */
  work?: TimeEstimateInput & { resampleLabels: boolean };
}

export interface CursorReadout {
  mm: [number, number, number];
  vox: [number, number, number];
  value: number | null;
  label: string | null;
}

interface TesseraState {
  mode: Mode;
  scans: Scan[];
  activeScanId: string | null;
  labelMaps: LabelMap[];
  activeLabelMapId: string | null;
  layout: Layout;
  windowPreset: WindowPreset;
  labelOpacity: number;
  labelOutline: boolean;
  jobs: Job[];
  lastTiming: string | null;
  banners: Banner[];
  backend: BackendStatus;
  cursor: CursorReadout | null;
  lastSegmentation: SegmentationSummary | null;
  /** the label map being edited (NiiVue's drawing layer), if any */
  editing: { labelMapId: string; pen: number; filled: boolean } | null;

  setMode(mode: Mode): void;
  addScan(scan: Scan): void;
  removeScan(id: string): void;
  setActiveScan(id: string): void;
  addLabelMap(map: LabelMap): void;
  updateLabelMap(id: string, patch: Partial<LabelMap>): void;
  removeLabelMap(id: string): void;
  setActiveLabelMap(id: string | null): void;
  setLayout(layout: Layout): void;
  setWindowPreset(preset: WindowPreset): void;
  setLabelOpacity(opacity: number): void;
  setLabelOutline(outline: boolean): void;
  startJob(job: Omit<Job, 'done' | 'total' | 'startedAt'> & Partial<Job>): void;
  updateJob(id: string, patch: Partial<Job>): void;
  endJob(id: string, timing?: string): void;
  showError(message: string, hint?: string): void;
  showInfo(message: string): void;
  dismissBanner(id: string): void;
  setBackend(status: BackendStatus): void;
  setCursor(c: CursorReadout | null): void;
}

let counter = 0;
export const newId = (prefix: string) => `${prefix}-${++counter}`;

export const useStore = create<TesseraState>((set) => ({
  mode: 'view',
  scans: [],
  activeScanId: null,
  labelMaps: [],
  activeLabelMapId: null,
  layout: 'multiplanar',
  windowPreset: 'auto',
  labelOpacity: 0.6,
  labelOutline: false,
  jobs: [],
  lastTiming: null,
  banners: [],
  backend: { kind: 'detecting', label: 'detecting compute…' },
  cursor: null,
  lastSegmentation: null,
  editing: null,

  setMode: (mode) => set({ mode }),
  addScan: (scan) =>
    set((s) => ({
      scans: [...s.scans, scan],
      activeScanId: scan.id,
      activeLabelMapId: null,
      windowPreset: scan.isCT ? 'soft-tissue' : 'auto',
    })),
  removeScan: (id) =>
    set((s) => {
      const scans = s.scans.filter((x) => x.id !== id);
      const labelMaps = s.labelMaps.filter((m) => m.scanId !== id);
      const activeScanId = s.activeScanId === id ? (scans.at(-1)?.id ?? null) : s.activeScanId;
      const activeLabelMapId = labelMaps.some((m) => m.id === s.activeLabelMapId) ? s.activeLabelMapId : null;
      return { scans, labelMaps, activeScanId, activeLabelMapId };
    }),
  setActiveScan: (id) =>
    set((s) => {
      const scan = s.scans.find((x) => x.id === id);
      const labels = s.labelMaps.filter((m) => m.scanId === id);
      return {
        activeScanId: id,
        activeLabelMapId: labels.at(-1)?.id ?? null,
        windowPreset: scan?.isCT ? 'soft-tissue' : 'auto',
      };
    }),
  addLabelMap: (map) => set((s) => ({ labelMaps: [...s.labelMaps, map], activeLabelMapId: map.id })),
  updateLabelMap: (id, patch) =>
    set((s) => ({ labelMaps: s.labelMaps.map((m) => (m.id === id ? { ...m, ...patch } : m)) })),
  removeLabelMap: (id) =>
    set((s) => ({
      labelMaps: s.labelMaps.filter((m) => m.id !== id),
      activeLabelMapId: s.activeLabelMapId === id ? null : s.activeLabelMapId,
    })),
  setActiveLabelMap: (id) => set({ activeLabelMapId: id }),
  setLayout: (layout) => set({ layout }),
  setWindowPreset: (windowPreset) => set({ windowPreset }),
  setLabelOpacity: (labelOpacity) => set({ labelOpacity }),
  setLabelOutline: (labelOutline) => set({ labelOutline }),
  startJob: (job) =>
    set((s) => ({
      jobs: [
        ...s.jobs.filter((j) => j.id !== job.id),
        { done: 0, total: 0, startedAt: performance.now(), ...job },
      ],
    })),
  updateJob: (id, patch) => set((s) => ({ jobs: s.jobs.map((j) => (j.id === id ? { ...j, ...patch } : j)) })),
  endJob: (id, timing) =>
    set((s) => ({ jobs: s.jobs.filter((j) => j.id !== id), lastTiming: timing ?? s.lastTiming })),
  showError: (message, hint) =>
    set((s) => ({
      banners: [...s.banners.slice(-3), { id: newId('banner'), message, hint, kind: 'error' }],
    })),
  showInfo: (message) =>
    set((s) => ({ banners: [...s.banners.slice(-3), { id: newId('banner'), message, kind: 'info' }] })),
  dismissBanner: (id) => set((s) => ({ banners: s.banners.filter((b) => b.id !== id) })),
  setBackend: (backend) => set({ backend }),
  setCursor: (cursor) => set({ cursor }),
}));

export const activeScan = (s: Pick<TesseraState, 'scans' | 'activeScanId'>) =>
  s.scans.find((x) => x.id === s.activeScanId) ?? null;
export const activeLabelMap = (s: Pick<TesseraState, 'labelMaps' | 'activeLabelMapId'>) =>
  s.labelMaps.find((m) => m.id === s.activeLabelMapId) ?? null;
