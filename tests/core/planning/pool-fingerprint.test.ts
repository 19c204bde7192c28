import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/dataset-dir-source';
import { openDataset } from '../../../src/core/dataset/open-dataset';
import { formatFingerprintJson } from '../../../src/core/nnunet/plans-json';
import { nodeEndpoint } from '../../../src/core/parallel/endpoints';
import { WorkerPool } from '../../../src/core/parallel/pool';
import { serve } from '../../../src/core/parallel/rpc';
import { extractFingerprintInPool } from '../../../src/core/planning/pool-fingerprint';
import { planningHandlers } from '../../../src/core/planning/worker-handlers';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/planning');
const ports: { close(): void }[] = [];
afterAll(() => {
  for (const p of ports) p.close();
});

describe('fingerprint on a worker pool', () => {
  it('gives the same bytes as nnU-Net, with progress, and can be cancelled', async () => {
    const name = 'Dataset205_LegacyV1';
    const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'datasets_expected.json'), 'utf8'))[name];
    const pool = new WorkerPool(() => {
      const { port1, port2 } = new MessageChannel();
      serve(nodeEndpoint(port2), planningHandlers);
      ports.push(port1, port2);
      return nodeEndpoint(port1);
    }, 2);
    const source = await directorySource(path.join(FIXTURES, 'raw', name));
    const ds = await openDataset(source);
    const seen: number[] = [];
    const r = await extractFingerprintInPool(pool, source, ds, { onProgress: (p) => seen.push(p.done) });
    expect(formatFingerprintJson(r.fingerprint)).toBe(expected['dataset_fingerprint.json']);
    expect(seen).toEqual([1, 2, 3]);

    const controller = new AbortController();
    controller.abort();
    await expect(extractFingerprintInPool(pool, source, ds, { signal: controller.signal })).rejects.toThrow(
      /cancelled/,
    );
    pool.terminate();
  }, 60_000);
});
