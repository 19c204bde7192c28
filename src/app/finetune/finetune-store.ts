import { create } from 'zustand';
import type { EpochEvent, IterationEvent } from '../../core/training/fine-tuner';
import type { PrepareSummary } from '../../core/training/trainer-service';

export interface FineTuneSettings {
  epochs: number;
  iterationsPerEpoch: number;
  valIterations: number;
  learningRate: number;
  batchSize: number;
  /** empty: the configuration's patch size */
  patchSize: number[] | null;
  freezeEncoder: boolean;
  backend: 'auto' | 'webgpu' | 'cpu';
}

interface FineTuneState {
  settings: FineTuneSettings;
  /** label map ids chosen to train (at most one per scan), never implied by what is shown */
  selected: string[];
  status: 'idle' | 'preparing' | 'ready' | 'running' | 'paused' | 'done' | 'cancelled' | 'failed';
  /** Measured before Start: the first iteration's time and the estimate for the whole run. */
  estimate: { iterationMs: number; totalMs: number; steps: number } | null;
  summary: PrepareSummary | null;
  iterations: IterationEvent[];
  epochs: EpochEvent[];
  message: string | null;
  setSettings(p: Partial<FineTuneSettings>): void;
  /** Choose (or un-choose) a label map; another one of the same scan is un-chosen. */
  toggleLabelMap(id: string, sameScan: string[]): void;
}

export const useFineTune = create<FineTuneState>((set) => ({
  settings: {
    epochs: 2,
    iterationsPerEpoch: 10,
    valIterations: 2,
    learningRate: 0.001,
    batchSize: 1,
    patchSize: null,
    freezeEncoder: false,
    backend: 'auto',
  },
  selected: [],
  status: 'idle',
  estimate: null,
  summary: null,
  iterations: [],
  epochs: [],
  message: null,
  // New settings invalidate a measured estimate (and a prepared session).
  setSettings: (p) =>
    set((s) => ({
      settings: { ...s.settings, ...p },
      ...(s.status === 'ready' ? { status: 'idle' as const, estimate: null } : {}),
    })),
  toggleLabelMap: (id, sameScan) =>
    set((s) => ({
      selected: s.selected.includes(id)
        ? s.selected.filter((x) => x !== id)
        : [...s.selected.filter((x) => !sameScan.includes(x)), id],
      ...(s.status === 'ready' ? { status: 'idle' as const, estimate: null } : {}),
    })),
}));
