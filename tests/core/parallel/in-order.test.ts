import { describe, expect, it } from 'vitest';
import { InOrder } from '../../../src/core/parallel/in-order';

const after = <T>(ms: number, v: T) => new Promise<T>((r) => setTimeout(() => r(v), ms));

describe('InOrder', () => {
  it('uses results in the order added while up to `depth` jobs run at once', async () => {
    const q = new InOrder(3);
    const used: number[] = [];
    let running = 0;
    let most = 0;
    const job = (i: number) => {
      running++;
      most = Math.max(most, running);
      return after(((i * 7) % 5) + 1, i).then((v) => {
        running--;
        return v;
      });
    };
    for (let i = 0; i < 12; i++) await q.add(job(i), (v) => void used.push(v));
    await q.drain();
    expect(used).toEqual([...Array(12).keys()]);
    expect(most).toBe(3);
  });

  it('raises a failure when its turn comes, with no unhandled rejection for the jobs behind it', async () => {
    const q = new InOrder(2);
    await q.add(Promise.reject(new Error('slice 0 failed')), () => {});
    await expect(q.add(Promise.reject(new Error('slice 1 failed')), () => {})).rejects.toThrow(
      'slice 0 failed',
    );
  });
});
