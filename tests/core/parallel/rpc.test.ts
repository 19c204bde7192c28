import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { isTesseraError, TesseraError } from '../../../src/core/errors';
import { nodeEndpoint } from '../../../src/core/parallel/endpoints';
import { throwIfCancelled } from '../../../src/core/parallel/job';
import { WorkerPool } from '../../../src/core/parallel/pool';
import { serve, WorkerClient, withTransfer } from '../../../src/core/parallel/rpc';

function pair() {
  const { port1, port2 } = new MessageChannel();
  serve(nodeEndpoint(port2), {
    double: (p: Float32Array) => {
      const out = p.map((x) => 2 * x);
      return withTransfer(out, [out.buffer]);
    },
    fail: () => {
      throw new TesseraError('bad-dataset', 'case_001.nii.gz', 'has no label');
    },
    slow: async (_p: unknown, ctx) => {
      for (let i = 0; i < 100; i++) {
        ctx.progress({ done: i, total: 100 });
        await new Promise((r) => setTimeout(r, 5));
        throwIfCancelled(ctx.signal);
      }
      return 'finished';
    },
  });
  return { port1, port2, client: new WorkerClient(nodeEndpoint(port1)) };
}

describe('worker RPC', () => {
  it('transfers input and output buffers instead of copying them', async () => {
    const { client, port1, port2 } = pair();
    const input = new Float32Array([1, 2, 3]);
    const out = await client.call<Float32Array>('double', input, { transfer: [input.buffer] });
    expect(input.byteLength).toBe(0); // detached: moved, not copied
    expect(Array.from(out)).toEqual([2, 4, 6]);
    port1.close();
    port2.close();
  });

  it('brings a TesseraError back whole, naming the file', async () => {
    const { client, port1, port2 } = pair();
    const err = (await client.call('fail', null).catch((e: unknown) => e)) as Error;
    expect(isTesseraError(err)).toBe(true);
    expect(err.message).toBe('case_001.nii.gz: has no label');
    port1.close();
    port2.close();
  });

  it('reports progress and cancels', async () => {
    const { client, port1, port2 } = pair();
    const seen: number[] = [];
    const ac = new AbortController();
    const p = client.call('slow', null, {
      signal: ac.signal,
      onProgress: (pr) => {
        seen.push(pr.done);
        if (pr.done === 3) ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
    expect(seen.slice(0, 4)).toEqual([0, 1, 2, 3]);
    port1.close();
    port2.close();
  });

  it('pool.map keeps job order over several workers', async () => {
    const ports: { close(): void }[] = [];
    const pool = new WorkerPool(() => {
      const { port1, port2 } = pair();
      ports.push(port1, port2);
      return nodeEndpoint(port1);
    }, 3);
    const progress: number[] = [];
    const out = await pool.map<number, Float32Array>(
      [1, 2, 3, 4, 5, 6, 7],
      'double',
      (j) => ({ payload: new Float32Array([j]) }),
      { onProgress: (p) => progress.push(p.done) },
    );
    expect(out.map((a) => a[0])).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(progress.at(-1)).toBe(7);
    for (const p of ports) p.close();
  });

  it('pool.start starts every worker at once; calls then reuse them', async () => {
    const ports: { close(): void }[] = [];
    let created = 0;
    const pool = new WorkerPool(() => {
      created++;
      const { port1, port2 } = pair();
      ports.push(port1, port2);
      return nodeEndpoint(port1);
    }, 2);
    pool.start();
    expect(created).toBe(2);
    pool.start();
    const out = await pool.map<number, Float32Array>([1, 2, 3], 'double', (j) => ({
      payload: new Float32Array([j]),
    }));
    expect(out.map((a) => a[0])).toEqual([2, 4, 6]);
    expect(created).toBe(2);
    for (const p of ports) p.close();
  });
});
