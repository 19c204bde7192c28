import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { blobSource, bytesSource } from '../../../src/core/io/archive/byte-source';
import { PickleObject } from '../../../src/core/io/torch/pickle';
import { openTorchFile } from '../../../src/core/io/torch/torch-checkpoint';
import { TensorRef, toFloat32 } from '../../../src/core/io/torch/torch-tensor';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/io/torch');
const expected = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as Record<
  string,
  { dtype: string; shape: number[]; values: (number | string)[] }
>;

function source(name: string, asBlob: boolean) {
  const buf = fs.readFileSync(path.join(DIR, name));
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  return asBlob ? blobSource(new Blob([bytes]), name) : bytesSource(bytes, name);
}

describe('torch checkpoint reader', () => {
  for (const [name, asBlob] of [
    ['tensors.pth', false],
    ['tensors.pth', true],
    ['tensors_p4.pth', false],
    ['tensors_deflated.pth', true],
    ['tensors_legacy.pth', false],
  ] as const) {
    it(`${name}${asBlob ? ' (Blob)' : ''}: every dtype, strides, offsets, shared storages`, async () => {
      const f = await openTorchFile(source(name, asBlob));
      const root = f.root as Map<string, unknown>;
      expect(root).toBeInstanceOf(Map);
      for (const [key, exp] of Object.entries(expected)) {
        const ref = root.get(key);
        expect(ref, key).toBeInstanceOf(TensorRef);
        const t = await f.loadTensor(ref as TensorRef);
        expect(t.dtype, key).toBe(exp.dtype);
        expect(t.shape, key).toEqual(exp.shape);
        if (t.dtype === 'int64') expect([...(t.data as BigInt64Array)].map(String), key).toEqual(exp.values);
        else if (t.dtype === 'bool') expect([...t.data].map(Boolean), key).toEqual(exp.values);
        else expect([...toFloat32(t)], key).toEqual(exp.values.map((v) => Math.fround(v as number)));
      }
      const meta = root.get('meta') as Map<string, unknown>;
      expect(meta.get('name')).toBe('fixture');
      expect(meta.get('numbers')).toEqual([1, 2.5, null, true]);
      expect(meta.get('big')).toBe(2n ** 70n);
      expect(meta.get('neg')).toBe(-12345678901);
      expect(meta.get('tuple')).toEqual([1, 'a']);
      expect([...(meta.get('bytes') as Uint8Array)]).toEqual([0, 1, 255]);
      expect(meta.get('np_f64')).toBe(0.125);
      expect(meta.get('np_i64')).toBe(-3);
      expect((meta.get('nested') as Map<string, unknown>).get('__proto__')).toBe('x');
      expect(meta.get('set')).toEqual(new Set([3]));
      const device = meta.get('device') as PickleObject;
      expect(device).toBeInstanceOf(PickleObject);
      expect(device.global).toBe('torch.device');
      expect(device.args).toEqual(['cpu']);
    });
  }
});
