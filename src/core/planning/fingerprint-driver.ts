/**
 * nnUNetv2_extract_fingerprint over a DatasetSource: every training case is read once, verified and
 * fingerprinted, then the cases are aggregated. Cases run through `runCase`, by default in this thread;
 * the app passes a worker-pool call (the job is plain bytes + options, so it crosses postMessage).
 */

import type { CaseFiles, DiscoveredDataset } from '../dataset/discover';
import type { DatasetSource } from '../dataset/source';
import { type DatasetProblem, verifyCaseVolumes } from '../dataset/verify';
import { TesseraError } from '../errors';
import { readVolume } from '../io/volume/read-volume';
import type { DatasetJson } from '../nnunet/dataset-json';
import type { DatasetFingerprint } from '../nnunet/plans-types';
import { imageReaderWriterFor } from './experiment-planner';
import { aggregateFingerprint } from './fingerprint-aggregate';
import {
  type CaseFingerprint,
  caseArraysFromVolumes,
  fingerprintCase,
  samplesPerCase,
} from './fingerprint-case';

/** Everything one case needs, as plain transferable data. */
export interface CaseJob {
  caseFiles: CaseFiles;
  /** file bytes, in caseFiles.images order */
  images: Uint8Array[];
  label: Uint8Array;
  numSamples: number;
  labels: DatasetJson['labels'];
  expectedChannels: number;
  readerWriter: string;
  verify: boolean;
}

export interface CaseResult {
  fingerprint: CaseFingerprint | null;
  problems: DatasetProblem[];
}

/** Read, verify and fingerprint one case (what a worker runs). A case with errors gets no fingerprint. */
export async function runCaseJob(job: CaseJob): Promise<CaseResult> {
  const { caseFiles } = job;
  const images = await Promise.all(job.images.map((b, i) => readVolume(b, caseFiles.images[i])));
  const label = await readVolume(job.label, caseFiles.label);
  const problems = job.verify
    ? verifyCaseVolumes(caseFiles, images, label, job.labels, job.expectedChannels)
    : [];
  if (problems.some((p) => p.severity === 'error')) return { fingerprint: null, problems };
  const arrays = caseArraysFromVolumes(images, label, job.readerWriter);
  if (arrays.label.length < arrays.channels[0].length)
    throw new TesseraError('grid-mismatch', caseFiles.label, 'has fewer voxels than its image');
  return { fingerprint: fingerprintCase(arrays, { numSamples: job.numSamples }), problems };
}

export interface FingerprintProgress {
  done: number;
  total: number;
  /** the case just finished */
  caseId?: string;
}

export interface ExtractFingerprintOptions {
  signal?: AbortSignal;
  onProgress?: (p: FingerprintProgress) => void;
  /** each problem as it is found (warnings included) */
  onProblem?: (p: DatasetProblem) => void;
  /** run nnU-Net's integrity checks on every case (default true); errors stop the extraction */
  verify?: boolean;
  /** default: runCaseJob in this thread */
  runCase?: (job: CaseJob, signal?: AbortSignal) => Promise<CaseResult>;
  /** cases in flight at once (default 1; more only helps with a worker-pool runCase) */
  concurrency?: number;
  /** see AggregateOptions.streamCacheBytes */
  streamCacheBytes?: number;
}

export interface ExtractedFingerprint {
  fingerprint: DatasetFingerprint;
  cases: CaseFingerprint[];
  problems: DatasetProblem[];
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new TesseraError('cancelled', '', 'fingerprint extraction was cancelled');
}

export async function extractFingerprint(
  source: DatasetSource,
  dataset: DiscoveredDataset,
  options: ExtractFingerprintOptions = {},
): Promise<ExtractedFingerprint> {
  const { signal } = options;
  const verify = options.verify ?? true;
  const run = options.runCase ?? ((job: CaseJob) => runCaseJob(job));
  const cases = dataset.cases;
  if (cases.length === 0)
    throw new TesseraError('bad-dataset', `${source.name}/imagesTr`, 'holds no training case');
  const numSamples = samplesPerCase(cases.length);
  const readerWriter = imageReaderWriterFor(dataset.datasetJson);
  const expectedChannels = dataset.channels.length;
  const results: CaseFingerprint[] = new Array(cases.length);
  const problems: DatasetProblem[] = [];
  let done = 0;
  let next = 0;
  let failed: unknown = null;
  const lane = async () => {
    while (next < cases.length && failed === null) {
      const i = next++;
      const c = cases[i];
      checkAbort(signal);
      const job: CaseJob = {
        caseFiles: c,
        images: await Promise.all(c.images.map((p) => source.read(p))),
        label: await source.read(c.label),
        numSamples,
        labels: dataset.datasetJson.labels,
        expectedChannels,
        readerWriter,
        verify,
      };
      checkAbort(signal);
      const r = await run(job, signal);
      for (const p of r.problems) {
        problems.push(p);
        options.onProblem?.(p);
      }
      if (!r.fingerprint) {
        const e = r.problems.find((p) => p.severity === 'error');
        throw new TesseraError('bad-dataset', e?.file ?? c.label, e?.message ?? 'could not be fingerprinted');
      }
      results[i] = r.fingerprint;
      done++;
      options.onProgress?.({ done, total: cases.length, caseId: c.id });
    }
  };
  const lanes = Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 1, cases.length)) }, () =>
    lane().catch((e) => {
      if (failed === null) failed = e;
    }),
  );
  await Promise.all(lanes);
  if (failed !== null) throw failed;
  checkAbort(signal);
  const fingerprint = aggregateFingerprint(results, {
    numChannels: dataset.channels.length || Object.keys(dataset.datasetJson.channel_names).length,
    streamCacheBytes: options.streamCacheBytes,
  });
  return { fingerprint, cases: results, problems };
}
