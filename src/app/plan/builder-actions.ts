import type { AssembledZip, AssembleRequest, CasePreview } from '../../core/dataset/assemble-request';
import { describeError } from '../../core/errors';
import { downloadBlob } from '../actions/download';
import { loadFiles } from '../actions/load-volumes';
import { runJob } from '../jobs';
import { useStore } from '../store';
import { datasetWorkerCall } from '../workers';
import { useBuilder } from './builder-store';
import { openDroppedDataset } from './open-dataset';

function request(): AssembleRequest {
  const { folders, datasetName, allowMissingLabels } = useBuilder.getState();
  return { folders, datasetName, allowMissingLabels };
}

/** Merge one case in the worker and show it: its first channel with the merged label map over it. */
export async function showBuilderCase(caseId: string): Promise<void> {
  try {
    const p = await datasetWorkerCall<CasePreview>('assemblePreview', { request: request(), caseId });
    await loadFiles([{ name: `${p.id}_0000.nii.gz`, file: new Blob([p.image as Uint8Array<ArrayBuffer>]) }]);
    await loadFiles([{ name: `${p.id}.nii.gz`, file: new Blob([p.label as Uint8Array<ArrayBuffer>]) }], {
      asLabels: true,
      table: { names: p.labelNames },
    });
  } catch (e) {
    useStore.getState().showError(`Case ${caseId} could not be merged: ${describeError(e)}`);
  }
}

/** Write the whole raw dataset (a zip) in the worker, with progress and Cancel. */
export async function buildDataset(): Promise<void> {
  const req = request();
  await runJob<AssembledZip>({
    kind: 'dataset',
    title: `Building ${req.datasetName}`,
    stage: 'reading',
    failure: 'The dataset could not be built',
    summary: (out, ms) => `Built ${out.datasetName} (${out.cases} cases) in ${(ms / 1000).toFixed(1)} s`,
    run: async ({ signal, progress }) => {
      const out = await datasetWorkerCall<AssembledZip>('assemble', req, progress, signal);
      useBuilder.getState().setBuilt({
        datasetName: out.datasetName,
        zip: new Blob([out.zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
        cases: out.cases,
        testCases: out.testCases,
      });
      return out;
    },
  });
}

export function downloadBuilt(): void {
  const built = useBuilder.getState().built;
  if (built) downloadBlob(`${built.datasetName}.zip`, built.zip);
}

/** Hand the built dataset to the planning flow, as if its zip had been dropped. */
export async function planBuilt(): Promise<void> {
  const built = useBuilder.getState().built;
  if (!built) return;
  const name = `${built.datasetName}.zip`;
  await openDroppedDataset([{ path: name, file: new File([built.zip], name) }]);
}
