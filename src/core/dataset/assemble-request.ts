/**
 * The page's Dataset builder, as plain data that crosses to a worker: dropped folders each assigned to
 * a channel, a label or a channel's test images. Assembly here writes the raw dataset into a zip (its
 * entries stored, so the zip is both the download and a dataset the fingerprint worker opens).
 */
import { TesseraError } from '../errors';
import { writeZip, type ZipInput } from '../io/archive/zip-writer';
import { writeNifti } from '../io/volume/nifti-writer';
import {
  type AssembleInput,
  type AssemblyPlan,
  assembleDataset,
  buildCase,
  type NamedFolder,
  planAssembly,
} from './assemble';
import { blobTree } from './file-tree';
import type { BlobLike } from './source';

export type FolderRole = 'image' | 'label' | 'test' | 'skip';

export interface BuilderFolder {
  /** the dropped folder's name */
  folder: string;
  role: FolderRole;
  /** channel name (image, test) or label name */
  name: string;
  /** files with paths relative to the folder */
  files: { path: string; file: BlobLike }[];
}

export interface AssembleRequest {
  datasetName: string;
  folders: BuilderFolder[];
  allowMissingLabels: boolean;
}

export function assemblyInput(req: AssembleRequest): AssembleInput {
  const named = (role: FolderRole): NamedFolder[] =>
    req.folders
      .filter((f) => f.role === role)
      .map((f) => ({ name: f.name.trim(), tree: blobTree(f.files, f.folder) }));
  const testImages = named('test');
  return {
    datasetName: req.datasetName.trim(),
    channels: named('image'),
    labels: named('label'),
    testImages: testImages.length ? testImages : undefined,
    allowMissingLabels: req.allowMissingLabels,
  };
}

/** Names-only checks (cheap): the cases and the problems the builder lists. */
export function planRequest(req: AssembleRequest): AssemblyPlan {
  return planAssembly(assemblyInput(req));
}

export interface CasePreview {
  id: string;
  /** the first channel and the merged label map, as .nii.gz bytes for the viewer */
  image: Uint8Array;
  label: Uint8Array;
  labelNames: Record<number, string>;
}

export async function previewCase(req: AssembleRequest, caseId: string): Promise<CasePreview> {
  const input = assemblyInput(req);
  const plan = planAssembly(input);
  const planned = plan.cases.find((c) => c.id === caseId);
  if (!planned) throw new TesseraError('not-found', caseId, 'is not a case of this dataset');
  const built = await buildCase(input, planned);
  const image = built.images[0];
  const labelNames: Record<number, string> = { 0: 'background' };
  input.labels.forEach((l, i) => {
    labelNames[i + 1] = l.name;
  });
  return {
    id: caseId,
    image: await writeNifti({ data: image.data, shape: image.shape.slice(0, 3), like: image }),
    label: await writeNifti({
      data: built.label,
      shape: image.shape.slice(0, 3),
      like: image,
      datatype: 'uint8',
    }),
    labelNames,
  };
}

export interface AssembledZip {
  datasetName: string;
  zip: Uint8Array;
  cases: number;
  testCases: number;
  warnings: string[];
}

export async function assembleToZip(
  req: AssembleRequest,
  options: { onProgress?: (done: number, total: number, caseId: string) => void; signal?: AbortSignal } = {},
): Promise<AssembledZip> {
  const entries: ZipInput[] = [];
  const result = await assembleDataset(
    assemblyInput(req),
    {
      async file(name, data) {
        entries.push({ name, data });
      },
      async folder() {},
    },
    { existing: [], onProgress: options.onProgress, signal: options.signal },
  );
  return {
    datasetName: result.datasetName,
    zip: writeZip(entries),
    cases: result.plan.cases.length,
    testCases: result.plan.testCases.length,
    warnings: result.plan.problems.map((p) => `${p.file}: ${p.message}`),
  };
}
