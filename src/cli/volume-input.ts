import { pickSeries, readDicomSeries } from '../core/io/dicom/read-dicom';
import { describeSeries, summarizeSeries } from '../core/io/dicom/series';
import type { Volume } from '../core/io/volume/volume';
import { isDicomInput, scanDicomInput } from './dicom-input';
import { readVolumeFile } from './node-files';

export interface VolumeInput {
  volume: Volume;
  /** DICOM inputs: every series found, one line each (patient-free). */
  series?: string[];
}

/** A volume file, or a DICOM file / series folder / zip (one series: `series`, else the largest). */
export async function readVolumeInput(target: string, series?: number): Promise<VolumeInput> {
  if (!(await isDicomInput(target))) return { volume: await readVolumeFile(target) };
  const scan = await scanDicomInput(target);
  const chosen = pickSeries(scan, target, series);
  const volume = await readDicomSeries(scan, chosen, target.replace(/\/+$/, ''));
  return { volume, series: scan.series.map((s) => describeSeries(summarizeSeries(s))) };
}
