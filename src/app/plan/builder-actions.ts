import type { AssembledZip, AssembleRequest, CasePreview } from '../../core/dataset/assemble-request';
import { describeError, isTesseraError } from '../../core/errors';
import { downloadBlob } from '../actions/download';
import { loadFiles } from '../actions/load-volumes';
import { newId, useStore } from '../store';
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
  const store = useStore.getState();
  const jobId = newId('assemble');
  const controller = new AbortController();
  const req = request();
  store.startJob({
    id: jobId,
    title: `Building ${req.datasetName}`,
    stage: 'reading',
    cancel: () => controller.abort(),
  });
  const t0 = performance.now();
  try {
    const out = await datasetWorkerCall<AssembledZip>(
      'assemble',
      req,
      (p) => useStore.getState().updateJob(jobId, { stage: p.stage, done: p.done, total: p.total }),
      controller.signal,
    );
    useBuilder.getState().setBuilt({
      datasetName: out.datasetName,
      zip: new Blob([out.zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
      cases: out.cases,
      testCases: out.testCases,
    });
    store.endJob(
      jobId,
      `Built ${out.datasetName} (${out.cases} cases) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  } catch (e) {
    store.endJob(jobId);
    if (isTesseraError(e) && e.code === 'cancelled') return;
    store.showError(`The dataset could not be built: ${describeError(e)}`);
  }
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
