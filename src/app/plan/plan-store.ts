import { create } from 'zustand';
import type { DatasetJson } from '../../core/nnunet/dataset-json';
import type { DatasetFingerprint, Plans } from '../../core/nnunet/plans-types';
import type { PlanTrace } from '../../core/planning/experiment-planner';
import { planExperimentWithTrace } from '../../core/planning/experiment-planner';
import type { IntensityHistogram } from '../../core/planning/intensity-histogram';
import { PLANNERS, type PlannerName } from '../../core/planning/planners';
import { FINGERPRINT_PRESETS } from '../../core/planning/presets';

/** What is being planned: a built-in preset or a dropped dataset (fingerprinted in workers). */
export interface PlanSource {
  kind: 'preset' | 'dataset';
  name: string;
  title: string;
  note?: string;
  datasetJson: DatasetJson;
  datasetJsonText?: string;
  fingerprint: DatasetFingerprint;
  histograms: IntensityHistogram[];
  /** dropped datasets: files to show a training case from */
  files?: Map<string, Blob>;
  cases?: { id: string; images: string[]; label: string }[];
  warnings?: string[];
}

interface PlanState {
  source: PlanSource | null;
  planner: PlannerName;
  gpuMemoryGB: number;
  configuration: string | null;
  showPatch: boolean;
  showGrid: boolean;
  plans: Plans | null;
  trace: PlanTrace | null;
  error: string | null;
  setSource(source: PlanSource): void;
  setPlanner(planner: PlannerName): void;
  setGpuMemory(gb: number): void;
  setConfiguration(name: string): void;
  setOverlay(o: { showPatch?: boolean; showGrid?: boolean }): void;
}

/** Re-plan synchronously (nnU-Net's arithmetic is fast: a slider move re-plans instantly). */
function replan(s: Pick<PlanState, 'source' | 'planner' | 'gpuMemoryGB' | 'configuration'>) {
  if (!s.source) return { plans: null, trace: null, error: null };
  try {
    const { plans, trace } = planExperimentWithTrace(s.source.fingerprint, s.source.datasetJson as never, {
      planner: s.planner,
      gpuMemoryGB: s.gpuMemoryGB,
      datasetName: s.source.name,
    });
    const names = Object.keys(plans.configurations);
    const configuration =
      s.configuration && names.includes(s.configuration)
        ? s.configuration
        : (names.find((n) => n === '3d_fullres') ?? names[0] ?? null);
    return { plans, trace, configuration, error: null };
  } catch (e) {
    return { plans: null, trace: null, error: (e as Error).message };
  }
}

export const usePlan = create<PlanState>((set, get) => ({
  source: null,
  planner: 'ExperimentPlanner',
  gpuMemoryGB: 8,
  configuration: null,
  showPatch: true,
  showGrid: true,
  plans: null,
  trace: null,
  error: null,
  setSource: (source) => set({ source, ...replan({ ...get(), source }) }),
  setPlanner: (planner) => {
    const gpuMemoryGB = PLANNERS[planner].defaultGpuMemoryGB;
    set({ planner, gpuMemoryGB, ...replan({ ...get(), planner, gpuMemoryGB }) });
  },
  setGpuMemory: (gpuMemoryGB) => set({ gpuMemoryGB, ...replan({ ...get(), gpuMemoryGB }) }),
  setConfiguration: (configuration) => set({ configuration }),
  setOverlay: (o) => set(o),
}));

export function presetSource(name: string): PlanSource {
  const p = FINGERPRINT_PRESETS.find((x) => x.name === name) ?? FINGERPRINT_PRESETS[0];
  return {
    kind: 'preset',
    name: p.name,
    title: p.title,
    note: p.source,
    datasetJson: p.datasetJson as DatasetJson,
    fingerprint: p.fingerprint,
    histograms: [],
  };
}
