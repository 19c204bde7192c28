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
  /** scan ids whose active label map trains */
  selected: string[];
  status: 'idle' | 'preparing' | 'running' | 'paused' | 'done' | 'cancelled' | 'failed';
  summary: PrepareSummary | null;
  iterations: IterationEvent[];
  epochs: EpochEvent[];
  message: string | null;
  setSettings(p: Partial<FineTuneSettings>): void;
  toggleScan(id: string): void;
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
  summary: null,
  iterations: [],
  epochs: [],
  message: null,
  setSettings: (p) => set((s) => ({ settings: { ...s.settings, ...p } })),
  toggleScan: (id) =>
    set((s) => ({
      selected: s.selected.includes(id) ? s.selected.filter((x) => x !== id) : [...s.selected, id],
    })),
}));
