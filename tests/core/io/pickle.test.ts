import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isTesseraError } from '../../../src/core/errors';
import { bytesSource } from '../../../src/core/io/archive/byte-source';
import { writeZip } from '../../../src/core/io/archive/zip-writer';
import { type PickleObject, toPlain, unpickle } from '../../../src/core/io/torch/pickle';
import { openTorchFile } from '../../../src/core/io/torch/torch-checkpoint';
import type { TensorRef } from '../../../src/core/io/torch/torch-tensor';
import { readNnunetCheckpoint } from '../../../src/core/model/nnunet-checkpoint';

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const cat = (...parts: (string | number[] | Uint8Array)[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...latin1(p)] : [...p])));
const sbu = (s: string) => cat([0x8c, s.length], s); // SHORT_BINUNICODE

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/io/torch');

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isTesseraError(e)) return e.code;
    throw e;
  }
  return 'no error';
}

describe('safe pickle interpreter', () => {
  const refusal = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return isTesseraError(e) ? `${e.code} ${e.message}` : String(e);
    }
    return 'no error';
  };

  it('refuses REDUCE of os.system with one line naming the file and the global, running nothing', () => {
    const marker = path.join(os.tmpdir(), `tessera-pwned-${process.pid}-${Date.now()}`);
    const p0 = latin1(`cos\nsystem\n(S'touch ${marker}'\ntR.`);
    expect(refusal(() => unpickle(p0, 'evil.pkl'))).toMatch(
      /^unsafe-pickle evil\.pkl: names the Python global os\.system, which is outside the allow-list/,
    );
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('refuses protocol-4 STACK_GLOBAL builtins.getattr / builtins.eval', () => {
    // builtins.getattr(builtins, 'eval')('1+1'): refused at the first global
    const p = cat(
      [0x80, 0x04],
      sbu('builtins'),
      sbu('getattr'),
      [0x93],
      sbu('builtins'),
      sbu('eval'),
      [0x93, 0x85, 0x52],
      sbu('1+1'),
      [0x85, 0x52, 0x2e],
    );
    expect(refusal(() => unpickle(p, 'evil.pkl'))).toMatch(
      /evil\.pkl: names the Python global builtins\.getattr/,
    );
  });

  it('refuses classes (NEWOBJ + BUILD), INST, extension codes and calls of non-globals', () => {
    const newobj = cat([0x80, 0x02], 'c__main__\nEvil\n', [0x29, 0x81, 0x7d, 0x62, 0x2e]);
    expect(refusal(() => unpickle(newobj, 'x.pkl'))).toMatch(/global __main__\.Evil/);
    const inst = latin1("(S'ls'\nisubprocess\ncheck_output\n.");
    expect(refusal(() => unpickle(inst, 'x.pkl'))).toMatch(/global subprocess\.check_output/);
    expect(refusal(() => unpickle(cat([0x80, 0x02, 0x82, 1, 0x2e]), 'x.pkl'))).toMatch(/extension-registry/);
    // An allowed global's result called again: (set(),)() — not a global, refused.
    const chained = cat([0x80, 0x02], 'c__builtin__\nset\n', [0x29, 0x52, 0x29, 0x52, 0x2e]);
    expect(refusal(() => unpickle(chained, 'x.pkl'))).toMatch(/calls a value that is not an allowed global/);
  });

  it("the allow-list is the caller's: an allowed class stays inert data", () => {
    const p = cat([0x80, 0x02], 'cmy\nPoint\n', [0x29, 0x81, 0x7d], sbu('x'), [0x4b, 5, 0x73, 0x62, 0x2e]);
    const v = unpickle(p, 'x.pkl', { allowGlobal: (g) => g === 'my.Point' }) as PickleObject;
    expect(v.global).toBe('my.Point');
    expect(v.state).toEqual(new Map([['x', 5]]));
  });

  it('rejects truncated streams, unknown opcodes, bad memo, out-of-band buffers and odd persistent ids', () => {
    expect(code(() => unpickle(latin1('(S"abc'), 'x'))).toBe('truncated-data');
    expect(code(() => unpickle(cat([0x80, 0x02, 0x4a, 1, 2]), 'x'))).toBe('truncated-data');
    expect(code(() => unpickle(cat([0x80, 0x02, 0xff]), 'x'))).toBe('unsafe-pickle');
    expect(code(() => unpickle(cat([0x80, 0x02, 0x68, 9, 0x2e]), 'x'))).toBe('unsafe-pickle');
    expect(code(() => unpickle(cat([0x80, 0x05, 0x97, 0x2e]), 'x'))).toBe('unsafe-pickle');
    expect(code(() => unpickle(cat([0x80, 0x02, 0x4b, 1, 0x51, 0x2e]), 'x'))).toBe('unsafe-pickle');
    expect(code(() => unpickle(cat([0x80, 0x02, 0x2e]), 'x'))).toBe('unsafe-pickle'); // STOP on empty stack
    expect(code(() => unpickle(cat([0x80, 0x02, 0x8b, 0xff, 0xff, 0xff, 0x7f]), 'x'))).toBe('unsafe-pickle');
  });

  it('a "__proto__" key never reaches an object prototype', () => {
    const p = cat([0x80, 0x02, 0x7d], sbu('__proto__'), [0x7d], sbu('polluted'), [0x88, 0x73, 0x73, 0x2e]);
    const plain = toPlain(unpickle(p, 'x')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect(Object.hasOwn(plain, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('crafted and damaged torch archives', () => {
  const good = new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'tensors.pth')));

  it('a torch zip whose data.pkl calls os.system is refused, naming the global', async () => {
    const evil = writeZip([
      { name: 'archive/data.pkl', data: latin1(`cos\nsystem\n(S'echo pwned'\ntR.`) },
      { name: 'archive/version', data: latin1('3\n') },
    ]);
    await expect(openTorchFile(bytesSource(evil, 'evil.pth'))).rejects.toThrow(
      /^evil\.pth \(archive\/data\.pkl\): names the Python global os\.system, which is outside PyTorch's weights_only allow-list/,
    );
  });

  // Real nnU-Net checkpoints with a payload prepended (scripts/fixtures/make_injected_checkpoints.py checks that
  // Python's unpickler would call it): each is refused before a single tensor is read.
  for (const [file, global] of [
    ['injected_posix_system.pth', 'posix.system'],
    ['injected_builtins_eval.pth', 'builtins.eval'],
  ]) {
    it(`a real checkpoint with an injected ${global} + REDUCE is refused`, async () => {
      const bytes = new Uint8Array(fs.readFileSync(path.join(FIXTURES, file)));
      const err = await readNnunetCheckpoint(bytesSource(bytes, `fold_0/${file}`)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isTesseraError(err)).toBe(true);
      const message = (err as Error).message;
      expect(message).toContain(`fold_0/${file}`);
      expect(message).toContain(`global ${global},`);
      expect(message).not.toContain('\n');
    });
  }

  it('every checkpoint shipped or used as a reference passes the allow-list', async () => {
    const roots = [path.join(FIXTURES, '..', '..'), path.resolve(FIXTURES, '../../../../public')];
    const files = roots.flatMap((r) =>
      fs
        .readdirSync(r, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.pth') && !f.includes('injected_'))
        .map((f) => path.join(r, f)),
    );
    expect(files.length).toBeGreaterThan(15);
    for (const f of files) await openTorchFile(bytesSource(new Uint8Array(fs.readFileSync(f)), f));
  });

  it('truncated archives are errors naming the file', async () => {
    for (const cut of [100, good.length >> 1, good.length - 10]) {
      const err = await openTorchFile(bytesSource(good.subarray(0, cut), 'cut.pth')).catch((e) => e);
      expect(isTesseraError(err), String(err)).toBe(true);
      expect(err.message).toMatch(/^cut\.pth/);
      expect(['truncated-data', 'bad-magic', 'bad-header']).toContain(err.code);
    }
  });

  it('a damaged storage fails its CRC check when read', async () => {
    const bad = good.slice();
    const f0 = await openTorchFile(bytesSource(good, 'ok.pth'));
    const ref = (f0.root as Map<string, TensorRef>).get('f32')!;
    // flip a byte inside the f32 storage: find the storage's bytes in the file
    const t = await f0.loadTensor(ref);
    const needle = new Uint8Array(t.data.buffer, t.data.byteOffset, 16);
    const at = Buffer.from(good).indexOf(Buffer.from(needle));
    expect(at).toBeGreaterThan(0);
    bad[at + 3] ^= 0x40;
    const f = await openTorchFile(bytesSource(bad, 'bad.pth'));
    await expect(f.loadTensor((f.root as Map<string, TensorRef>).get('f32')!)).rejects.toThrow(
      /bad\.pth.*CRC mismatch/,
    );
  });

  it('a file that is neither zip nor pickle is refused', async () => {
    await expect(openTorchFile(bytesSource(latin1('hello world, not a model'), 'x.pth'))).rejects.toThrow(
      /x\.pth: is not a PyTorch checkpoint/,
    );
  });
});
