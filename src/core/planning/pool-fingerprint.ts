import type { DiscoveredDataset } from '../dataset/discover';
import type { DatasetSource } from '../dataset/source';
import type { WorkerPool } from '../parallel/pool';
import {
  type CaseJob,
  type CaseResult,
  type ExtractedFingerprint,
  type ExtractFingerprintOptions,
  extractFingerprint,
} from './fingerprint-driver';

/**
 * extractFingerprint with the cases spread over a pool of planning workers (one case per worker at a
 * time; the aggregation runs here). Progress counts finished cases; the signal cancels the lot.
 */
export function extractFingerprintInPool(
  pool: WorkerPool,
  source: DatasetSource,
  dataset: DiscoveredDataset,
  options: Omit<ExtractFingerprintOptions, 'runCase' | 'concurrency'> = {},
): Promise<ExtractedFingerprint> {
  const runCase = (job: CaseJob, signal?: AbortSignal) => {
    const owned = { ...job, images: job.images.map(ownBuffer), label: ownBuffer(job.label) };
    return pool.call<CaseResult>('fingerprintCase', owned, {
      transfer: [...owned.images.map((b) => b.buffer as ArrayBuffer), owned.label.buffer as ArrayBuffer],
      signal,
    });
  };
  return extractFingerprint(source, dataset, { ...options, runCase, concurrency: pool.size });
}

/** A view that owns its whole buffer, so transferring it detaches nothing else (a zip, a file pool). */
function ownBuffer(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice();
}
