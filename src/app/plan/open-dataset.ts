import { describeError, isTesseraError } from '../../core/errors';
import { labelManager } from '../../core/nnunet/labels';
import type { DroppedFile } from '../actions/dropped-files';
import { loadFiles } from '../actions/load-volumes';
import { registerFolderHandler } from '../actions/route-drop';
import { newId, useStore } from '../store';
import { fingerprintDataset } from '../workers';
import { usePlan } from './plan-store';

/** A drop is an nnU-Net raw dataset when it has dataset.json and imagesTr/ (or is a zip the user picked here). */
export function looksLikeDataset(files: DroppedFile[]): boolean {
  return (
    files.some((f) => /(^|\/)dataset\.json$/.test(f.path)) &&
    files.some((f) => /(^|\/)imagesTr\//.test(f.path))
  );
}

/**
 * Fingerprint a dropped dataset in workers (progress, Cancel), plan it, and show its first training case
 * with its label map so the patch box and tile grid can be drawn on real data.
 */
export async function openDroppedDataset(files: DroppedFile[]): Promise<void> {
  if (files.length === 0) return;
  const store = useStore.getState();
  const name = files[0].path.includes('/')
    ? files[0].path.split('/')[0]
    : files[0].path.replace(/\.zip$/i, '');
  const jobId = newId('dataset');
  const controller = new AbortController();
  store.startJob({
    id: jobId,
    title: `Fingerprinting ${name}`,
    stage: 'reading dataset.json',
    cancel: () => controller.abort(),
  });
  store.setMode('plan');
  const t0 = performance.now();
  try {
    const fp = await fingerprintDataset(
      { name, files: files.map((f) => ({ path: f.path, file: f.file })) },
      (p) => useStore.getState().updateJob(jobId, { stage: p.stage, done: p.done, total: p.total }),
      controller.signal,
    );
    const byPath = new Map<string, Blob>();
    const prefix = files.every((f) => f.path.startsWith(`${name}/`)) ? `${name}/` : '';
    for (const f of files) byPath.set(f.path.slice(prefix.length), f.file);
    usePlan.getState().setSource({
      kind: 'dataset',
      name: fp.name,
      title: `${fp.name}: ${fp.cases.length} training cases, channels ${fp.channels.join(', ')}`,
      datasetJson: fp.datasetJson,
      datasetJsonText: fp.datasetJsonText,
      fingerprint: fp.fingerprint,
      histograms: fp.histograms,
      files: byPath,
      cases: fp.cases,
      warnings: fp.warnings,
    });
    store.endJob(
      jobId,
      `Fingerprinted ${fp.cases.length} cases of ${fp.name} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const first = fp.cases[0];
    const image = first && byPath.get(first.images[0]);
    if (image) {
      await loadFiles([{ name: first.images[0].split('/').pop()!, file: image }]);
      const label = byPath.get(first.label);
      if (label)
        await loadFiles([{ name: first.label.split('/').pop()!, file: label }], {
          asLabels: true,
          table: { names: labelManager(fp.datasetJson).names },
        });
    }
  } catch (e) {
    store.endJob(jobId);
    if (isTesseraError(e) && e.code === 'cancelled') return;
    store.showError(
      `The dataset could not be read: ${describeError(e)}`,
      'An nnU-Net raw dataset has dataset.json, imagesTr/<case>_0000.nii.gz and labelsTr/<case>.nii.gz.',
    );
  }
}

registerFolderHandler({ matches: looksLikeDataset, open: openDroppedDataset });
