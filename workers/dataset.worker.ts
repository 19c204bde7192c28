/// <reference lib="webworker" />
// A dropped nnU-Net raw dataset, fingerprinted off the main thread: this worker opens the dataset (folder
// files or a zip), runs nnU-Net's fingerprint extraction with the cases spread over a pool of planning
// workers (nested), and aggregates the samples here — never on the page.

import { type AssembleRequest, assembleToZip, previewCase } from '../src/core/dataset/assemble-request';
import { openDataset } from '../src/core/dataset/open-dataset';
import { type BlobLike, fileListSource } from '../src/core/dataset/source';
import { openZipSource } from '../src/core/dataset/zip-source';
import { TesseraError } from '../src/core/errors';
import type { DatasetJson } from '../src/core/nnunet/dataset-json';
import type { DatasetFingerprint } from '../src/core/nnunet/plans-types';
import { webEndpoint } from '../src/core/parallel/endpoints';
import { defaultPoolSize, WorkerPool } from '../src/core/parallel/pool';
import { type HandlerContext, serve, withTransfer } from '../src/core/parallel/rpc';
import { workerEndpoint } from '../src/core/parallel/worker-endpoint';
import { type IntensityHistogram, intensityHistograms } from '../src/core/planning/intensity-histogram';
import { extractFingerprintInPool } from '../src/core/planning/pool-fingerprint';

export interface DatasetRequest {
  name: string;
  files: { path: string; file: BlobLike }[];
}

export interface FingerprintedDataset {
  name: string;
  datasetJson: DatasetJson;
  datasetJsonText: string;
  channels: string[];
  fingerprint: DatasetFingerprint;
  histograms: IntensityHistogram[];
  cases: { id: string; images: string[]; label: string }[];
  warnings: string[];
}

let pool: WorkerPool | null = null;

async function fingerprint(req: DatasetRequest, ctx: HandlerContext): Promise<FingerprintedDataset> {
  const zip = req.files.length === 1 && req.files[0].path.toLowerCase().endsWith('.zip');
  const source = zip
    ? await openZipSource(new Uint8Array(await req.files[0].file.arrayBuffer()), req.name)
    : fileListSource(req.files, req.name);
  const dataset = await openDataset(source);
  const errors = dataset.problems.filter((p) => p.severity === 'error');
  if (errors.length)
    throw new TesseraError('bad-dataset', `${source.name}/${errors[0].file}`, errors[0].message);
  pool ??= new WorkerPool(
    () =>
      workerEndpoint(
        new Worker(new URL('./planning.worker.ts', import.meta.url), {
          type: 'module',
          name: 'tessera-planning',
        }),
        'planning',
      ),
    defaultPoolSize(navigator.hardwareConcurrency),
  );
  ctx.progress({ stage: 'fingerprinting cases', done: 0, total: dataset.cases.length });
  const extracted = await extractFingerprintInPool(pool, source, dataset, {
    signal: ctx.signal,
    onProgress: (p) =>
      ctx.progress({ stage: `fingerprinting ${p.caseId ?? ''}`, done: p.done, total: p.total }),
  });
  return {
    name: source.name,
    datasetJson: dataset.datasetJson,
    datasetJsonText: dataset.datasetJsonText,
    channels: dataset.channels,
    fingerprint: extracted.fingerprint,
    histograms: intensityHistograms(extracted.cases),
    cases: dataset.cases.map((c) => ({ id: c.id, images: c.images, label: c.label })),
    warnings: [...dataset.problems, ...extracted.problems]
      .filter((p) => p.severity !== 'error')
      .map((p) => `${p.file}: ${p.message}`),
  };
}

// The Dataset builder: one case merged for the viewer, or the whole raw dataset as a zip.
async function assemblePreview(req: { request: AssembleRequest; caseId: string }) {
  const p = await previewCase(req.request, req.caseId);
  return withTransfer(p, [p.image.buffer, p.label.buffer]);
}

async function assemble(req: AssembleRequest, ctx: HandlerContext) {
  const out = await assembleToZip(req, {
    signal: ctx.signal,
    onProgress: (done, total, id) => ctx.progress({ stage: id ? `writing ${id}` : 'zipping', done, total }),
  });
  return withTransfer(out, [out.zip.buffer]);
}

serve(webEndpoint(self as unknown as DedicatedWorkerGlobalScope), { fingerprint, assemblePreview, assemble });
