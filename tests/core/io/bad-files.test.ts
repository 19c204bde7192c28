import { describe, expect, it } from 'vitest';
import { isTesseraError, type TesseraError } from '../../../src/core/errors';
import { gzip } from '../../../src/core/io/archive/gzip';
import { readVolume } from '../../../src/core/io/volume/read-volume';
import { assertLabelGrid } from '../../../src/core/io/volume/volume';
import { sharedBytes } from '../../helpers/shared';

async function failure(bytes: Uint8Array, name: string): Promise<TesseraError> {
  try {
    await readVolume(bytes, name);
  } catch (e) {
    if (isTesseraError(e)) return e;
    throw new Error(`expected a TesseraError, got ${e}`);
  }
  throw new Error('expected a failure');
}

const ct = () => sharedBytes('data/volumes/ct/ts_example_ct_sm.nii.gz');
const rawNii = () => sharedBytes('data/volumes/mr/nibabel_anatomical.nii');

describe('bad files give a typed error naming the file', () => {
  it('truncated gzip', async () => {
    const e = await failure(ct().slice(0, 20_000), 'cut.nii.gz');
    expect(e.code).toBe('gzip-truncated');
    expect(e.message).toMatch(/^cut\.nii\.gz: .*truncated/);
  });

  it('corrupt gzip (flipped bytes: the CRC catches it)', async () => {
    const b = ct().slice();
    b[5000] ^= 0xff;
    b[9000] ^= 0x55;
    const e = await failure(b, 'flipped.nii.gz');
    expect(['gzip-corrupt', 'gzip-truncated']).toContain(e.code);
    expect(e.message).toContain('flipped.nii.gz');
  });

  it('wrong magic', async () => {
    const b = rawNii().slice();
    b.set([0x78, 0x78, 0x78], 344);
    const e = await failure(b, 'nomagic.nii');
    expect(e.code).toBe('bad-magic');
  });

  it('not a volume at all', async () => {
    const e = await failure(
      new TextEncoder().encode('hello, this is a text file that is long enough'),
      'notes.nii',
    );
    expect(e.code).toBe('bad-magic');
    expect(e.message).toContain('notes.nii');
  });

  it('data shorter than the header says', async () => {
    const e = await failure(rawNii().slice(0, 40_000), 'short.nii');
    expect(e.code).toBe('truncated-data');
    expect(e.message).toMatch(/promises \d+ bytes/);
  });

  it('data shorter than the header says, inside a valid gzip', async () => {
    const e = await failure(await gzip(rawNii().slice(0, 40_000)), 'short.nii.gz');
    expect(e.code).toBe('truncated-data');
  });

  it('unsupported datatype (complex64)', async () => {
    const b = rawNii().slice();
    new DataView(b.buffer).setInt16(70, 32, false); // big-endian file
    const e = await failure(b, 'complex.nii');
    expect(e.code).toBe('unsupported-datatype');
    expect(e.message).toContain('complex64');
  });

  it('volume over the 2 GiB browser buffer limit', async () => {
    const b = rawNii().slice();
    const dv = new DataView(b.buffer);
    dv.setInt16(42, 2048, false);
    dv.setInt16(44, 2048, false);
    dv.setInt16(46, 1024, false);
    const e = await failure(b, 'huge.nii');
    expect(e.code).toBe('too-large');
    expect(e.message).toContain('2 GiB');
  });

  it('empty file', async () => {
    expect((await failure(new Uint8Array(0), 'empty.nii.gz')).code).toBe('truncated-data');
  });

  it('a NRRD with a broken header', async () => {
    const e = await failure(
      new TextEncoder().encode('NRRD0004\ntype: short\ndimension: 3\nsizes: 4 4\n\n'),
      'bad.nrrd',
    );
    expect(e.code).toBe('bad-header');
    expect(e.message).toContain('bad.nrrd');
  });

  it('a label map whose grid does not match its image', async () => {
    const image = await readVolume(ct(), 'ct.nii.gz');
    const label = await readVolume(
      sharedBytes('data/volumes/mr/ts_example_mr_sm_seg.nii.gz'),
      'mr_seg.nii.gz',
    );
    expect(() => assertLabelGrid(image, label)).toThrow(
      /mr_seg\.nii\.gz: its grid does not match the image ct\.nii\.gz/,
    );
    const same = await readVolume(sharedBytes('data/volumes/ct/ts_example_ct_sm_seg.nii.gz'), 'seg.nii.gz');
    expect(() => assertLabelGrid(image, same)).not.toThrow();
    const shifted = {
      ...same,
      affine: same.affine.map((r, i) => (i === 0 ? [r[0], r[1], r[2], r[3] + 30] : r)),
    };
    expect(() => assertLabelGrid(image, shifted)).toThrow(/its affine/);
  });
});
