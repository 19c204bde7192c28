import fs from 'node:fs/promises';
import path from 'node:path';
import { TesseraError } from '../core/errors';
import { looksLikeDicom } from '../core/io/dicom/dicom-instance';
import { pickSeries, readDicomSeries } from '../core/io/dicom/read-dicom';
import { writeDicomSeg } from '../core/io/dicom/seg-writer';
import { writeNifti } from '../core/io/volume/nifti-writer';
import type { Volume } from '../core/io/volume/volume';
import { type ModelBundle, summarizeBundle } from '../core/model/bundle/open-bundle';
import { isDicomInput, scanDicomInput } from './dicom-input';
import { readVolumeFile, writeFileBytes } from './node-files';

/** `tessera predict`'s inputs and outputs beyond NIfTI: DICOM series in, NIfTI or DICOM-SEG out. */
export type OutputType = 'nifti' | 'dicom-seg';

export function parseOutputType(value: string | undefined): OutputType {
  if (value === undefined || value === 'nifti' || value === 'dicom-seg') return value ?? 'nifti';
  throw new TesseraError(
    'bad-argument',
    'tessera predict',
    `--output-type must be nifti or dicom-seg, got "${value}"`,
  );
}

export interface PredictCase {
  id: string;
  files: string[];
  /** files[0] is a DICOM series (folder, zip or file), not one file per channel. */
  dicom?: boolean;
}

async function firstFileIsDicom(dir: string): Promise<boolean> {
  for (const e of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (await firstFileIsDicom(full)) return true;
    } else if (e.isFile() && (await isDicomInput(full))) {
      const head = new Uint8Array(132);
      const fh = await fs.open(full, 'r');
      try {
        await fh.read(head, 0, 132, 0);
      } finally {
        await fh.close();
      }
      if (looksLikeDicom(head)) return true;
    }
  }
  return false;
}

const VOLUME_FILE = /\.(nii|nii\.gz|nrrd|npy)$/i;

/**
 * DICOM cases in a predict input, or null when the input is not DICOM (NIfTI files are grouped as
 * nnUNetv2_predict does). A folder of series folders gives one case per series folder, named after it; a
 * folder holding DICOM files itself (or a DICOM file or zip) is one case named after it.
 */
export async function listDicomCases(input: string): Promise<PredictCase[] | null> {
  const stat = await fs.stat(input).catch(() => null);
  if (!stat) return null;
  const name = path.basename(input.replace(/\/+$/, '')).replace(/\.(zip|dcm)$/i, '');
  if (stat.isFile())
    return VOLUME_FILE.test(input) || !(await isDicomInput(input))
      ? null
      : [{ id: name, files: [input], dicom: true }];
  const entries = (await fs.readdir(input, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  if (entries.some((e) => e.isFile() && VOLUME_FILE.test(e.name))) return null;
  const cases: PredictCase[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(input, e.name);
    if (e.isDirectory() && (await firstFileIsDicom(full)))
      cases.push({ id: e.name, files: [full], dicom: true });
  }
  const looseDicom = entries.some((e) => e.isFile()) && (await firstFileIsDicom(input)) && cases.length === 0;
  if (looseDicom) return [{ id: name, files: [input], dicom: true }];
  return cases.length ? cases : null;
}

/** The channel volumes of a case: a DICOM series (its largest image series), or one file per channel. */
export async function readCaseVolumes(c: PredictCase, channels: number): Promise<Volume[]> {
  if (!c.dicom) return Promise.all(c.files.map((f) => readVolumeFile(f)));
  if (channels !== 1)
    throw new TesseraError(
      'bad-argument',
      c.files[0],
      `a DICOM series is one channel but the model needs ${channels}; convert the series (tessera convert) and name them <case>_0000.nii.gz, …`,
    );
  const scan = await scanDicomInput(c.files[0]);
  return [await readDicomSeries(scan, pickSeries(scan, c.files[0]), c.files[0].replace(/\/+$/, ''))];
}

/** Write a case's label map: NIfTI on the scan's grid, or a DICOM-SEG referencing its series. */
export async function writeCaseLabels(o: {
  outputType: OutputType;
  output: string;
  id: string;
  ending: string;
  labels: Uint8Array | Uint16Array;
  ref: Volume;
  bundle: ModelBundle;
  log: (line: string) => void;
}): Promise<string | null> {
  if (o.outputType === 'dicom-seg') {
    if (!o.ref.source.dicom)
      throw new TesseraError(
        'bad-argument',
        o.ref.name,
        '--output-type dicom-seg needs DICOM input (a series folder)',
      );
    // A SEG needs at least one segment: a scan where the model finds nothing gets no file, and says so.
    if (!o.labels.some((v) => v !== 0)) {
      o.log(`  ${o.id}: no label found, so no DICOM-SEG written`);
      return null;
    }
    const model = summarizeBundle(o.bundle);
    const seg = writeDicomSeg(
      { data: o.labels, shape: o.ref.shape.slice(0, 3), affine: o.ref.affine, name: o.id },
      o.ref,
      {
        segments: model.labels
          .filter((l) => l.value !== 0)
          .map((l) => ({ label: l.value, name: l.name, ...(l.color ? { color: l.color } : {}) })),
        modelName: model.kind === 'nnunet' ? `${model.name} ${model.configuration}` : model.name,
      },
    );
    const file = path.join(o.output, `${o.id}.dcm`);
    await writeFileBytes(file, seg.bytes);
    if (seg.generated.length)
      o.log(`  ${o.id}: the source lacks ${seg.generated.join(', ')}; new UIDs were generated for the SEG`);
    return file;
  }
  const ending = o.ref.source.format === 'DICOM' || o.ending.endsWith('.nrrd') ? '.nii.gz' : o.ending;
  const file = path.join(o.output, `${o.id}${ending}`);
  await writeFileBytes(
    file,
    await writeNifti({
      data: o.labels,
      shape: o.ref.shape.slice(0, 3),
      like: o.ref,
      compress: !file.endsWith('.nii'),
    }),
  );
  return file;
}
