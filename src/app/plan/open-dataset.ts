import type { FingerprintedDataset } from '../../../workers/dataset.worker';
import { labelManager } from '../../core/nnunet/labels';
import type { DroppedFile } from '../actions/dropped-files';
import { loadFiles } from '../actions/load-volumes';
import { registerFolderHandler } from '../actions/route-drop';
import { runJob } from '../jobs';
import { useStore } from '../store';
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
  const name = files[0].path.includes('/')
    ? files[0].path.split('/')[0]
    : files[0].path.replace(/\.zip$/i, '');
  useStore.getState().setMode('plan');
  await runJob<FingerprintedDataset>({
    kind: 'fingerprint',
    title: `Fingerprinting ${name}`,
    stage: 'reading dataset.json',
    failure: 'The dataset could not be read',
    hint: 'An nnU-Net raw dataset has dataset.json, imagesTr/<case>_0000.nii.gz and labelsTr/<case>.nii.gz.',
    summary: (fp, ms) =>
      `Fingerprinted ${fp.cases.length} cases of ${fp.name} in ${(ms / 1000).toFixed(1)} s`,
    run: async ({ signal, progress }) => {
      const fp = await fingerprintDataset(
        { name, files: files.map((f) => ({ path: f.path, file: f.file })) },
        progress,
        signal,
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
      // the first training case with its label map, so the patch box and tile grid sit on real data
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
      return fp;
    },
  });
}

registerFolderHandler({ matches: looksLikeDataset, open: openDroppedDataset });
