import { describeError } from '../../core/errors';
import { writeDicomSeg } from '../../core/io/dicom/seg-writer';
import { useStore } from '../store';
import { downloadBlob } from './download';

/**
 * Save a label map on a DICOM-sourced scan as a DICOM-SEG (`<scan>_seg.dcm`): segments named and coloured
 * as the label table shows them, referencing the scan's series.
 */
export function saveLabelMapAsDicomSeg(labelMapId: string, modelName: string): void {
  const store = useStore.getState();
  const map = store.labelMaps.find((m) => m.id === labelMapId);
  const scan = store.scans.find((s) => s.id === map?.scanId);
  if (!map || !scan) return;
  try {
    const seg = writeDicomSeg(
      { data: map.data, shape: scan.volume.shape.slice(0, 3), affine: scan.volume.affine, name: map.name },
      scan.volume,
      {
        segments: Object.entries(map.names).map(([v, name]) => ({
          label: Number(v),
          name,
          ...(map.colors?.[Number(v)] ? { color: map.colors[Number(v)] } : {}),
        })),
        modelName,
      },
    );
    const base = (scan.name.split('/').pop() ?? 'scan')
      .replace(/\.(nii|nrrd|npy|dcm|zip)(\.gz)?$/i, '')
      .replace(/[^\w.-]+/g, '_');
    downloadBlob(
      `${base}_seg.dcm`,
      new Blob([seg.bytes as Uint8Array<ArrayBuffer>], { type: 'application/dicom' }),
    );
    if (seg.generated.length)
      store.showInfo(
        `The scan lacks ${seg.generated.join(', ')}: the DICOM-SEG carries newly generated UIDs.`,
      );
  } catch (e) {
    store.showError(describeError(e));
  }
}
