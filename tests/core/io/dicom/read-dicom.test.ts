import { describe, expect, it } from 'vitest';
import { isTesseraError, type TesseraError } from '../../../../src/core/errors';
import { readDicomVolume, scanDicomFiles } from '../../../../src/core/io/dicom/read-dicom';
import { describeSeries, summarizeSeries } from '../../../../src/core/io/dicom/series';
import { compare, dcm2niix, dicomFiles } from './dicom-helpers';

async function failure(rel: string): Promise<TesseraError> {
  try {
    await readDicomVolume(dicomFiles(rel), rel);
  } catch (e) {
    if (isTesseraError(e)) return e;
    throw e;
  }
  throw new Error(`${rel} was read`);
}

describe('DICOM series read as dcm2niix writes them (world space)', () => {
  // Each series: its voxels and affine against Debian's dcm2niix output for the same files.
  for (const name of [
    'ct_axial',
    'ct_oblique',
    'ct_sagittal',
    'ct_j2k_blank_uids',
    'ct_j2k_lossy',
    'ct_enhanced',
    'tsct_000',
  ]) {
    it(name, async () => {
      const v = await readDicomVolume(dicomFiles(name), name);
      const ref = await dcm2niix(name);
      expect(v.shape).toEqual(ref.shape);
      const d = compare(v, ref);
      expect(d.voxels).toBe(0);
      expect(d.affine).toBeLessThan(1e-3);
      expect(v.spacing[2]).toBeCloseTo(ref.spacing[2], 4);
      expect(v.source.format).toBe('DICOM');
    });
  }

  it('every lossless re-encoding (gdcmconv) gives the uncompressed voxels', async () => {
    const plain = await readDicomVolume(dicomFiles('ct_axial'), 'ct_axial');
    for (const name of ['ct_jpegls', 'ct_rle', 'ct_jpeg_lossless', 'ct_deflated', 'ct_implicit']) {
      const v = await readDicomVolume(dicomFiles(name), name);
      expect(compare(v, plain), name).toEqual({ voxels: 0, affine: 0 });
    }
  });

  it('HU: slope/intercept applied, integer results kept as int16', async () => {
    const v = await readDicomVolume(dicomFiles('ct_axial'), 'ct_axial');
    expect(v.datatype).toBe('int16');
    expect(Math.min(...v.data)).toBeLessThan(-500);
  });

  it('series with blank UIDs still group into one series', async () => {
    const scan = await scanDicomFiles(dicomFiles('ct_j2k_blank_uids'));
    expect(scan.series).toHaveLength(1);
    expect(scan.series[0].uid).toBe('');
    expect(describeSeries(summarizeSeries(scan.series[0]))).toBe(
      '1: CT “fixture ct_axial” 48×40×10, 0.7×0.8 mm, 10 files, no series UID',
    );
  });

  it('several series in one set are listed; the largest is the default, --series picks another', async () => {
    const files = [
      ...dicomFiles('ct_axial'),
      ...dicomFiles('ct_sagittal'),
      ...dicomFiles('pydicom/MR_small.dcm'),
    ];
    const scan = await scanDicomFiles(files);
    expect(scan.series.map((s) => summarizeSeries(s).size)).toEqual([
      [64, 64, 1],
      [48, 40, 10],
      [48, 40, 10],
    ]);
    const mr = await readDicomVolume(files, 'set', { series: 1 });
    expect(mr.shape).toEqual([64, 64, 1]);
  });
});

describe("pydicom's test files (every transfer syntax)", () => {
  const encodings = [
    'MR_small_RLE.dcm',
    'MR_small_bigendian.dcm',
    'MR_small_expb.dcm',
    'MR_small_implicit.dcm',
    'MR_small_jp2klossless.dcm',
    'MR_small_jpeg_ls_lossless.dcm',
    'MR_small_padded.dcm',
    'MR_small_jpeg_lossless_gdcm.dcm',
  ];
  it('MR_small matches dcm2niix', async () => {
    const v = await readDicomVolume(dicomFiles('pydicom/MR_small.dcm'), 'MR_small.dcm');
    const d = compare(v, await dcm2niix('pydicom_MR_small'));
    expect(d.voxels).toBe(0);
    expect(d.affine).toBeLessThan(1e-3);
  });
  for (const f of encodings) {
    it(`${f} equals MR_small`, async () => {
      const ref = await readDicomVolume(dicomFiles('pydicom/MR_small.dcm'), 'MR_small.dcm');
      const v = await readDicomVolume(dicomFiles(`pydicom/${f}`), f);
      expect(compare(v, ref)).toEqual({ voxels: 0, affine: 0 });
    });
  }
  for (const [f, tol] of [
    ['693_J2KI', 0],
    ['JPEG2000', 0],
    // Lossy JPEG: libjpeg-turbo's IDCT and dcm2niix's own decoder round differently by a few grey levels.
    ['MR_small_8bit_jpeg_baseline', 3],
  ] as const) {
    it(`${f} (lossy) matches dcm2niix's decode`, async () => {
      const v = await readDicomVolume(dicomFiles(`pydicom/${f}.dcm`), f);
      const d = compare(v, await dcm2niix(`pydicom_${f}`));
      expect(d.voxels).toBeLessThanOrEqual(tol);
      expect(d.affine).toBeLessThan(1e-3);
    });
  }
});

describe('bad input: one line naming the file and the fault', () => {
  const cases: [string, RegExp][] = [
    ['bad_missing_slice', /^bad_missing_slice: 1 slice\(s\) missing between 38\.5 and 43\.5 mm/],
    ['bad_duplicate_slice', /two slices lie at the same position/],
    ['bad_uneven_spacing', /slice spacing is not uniform \(2\.5 to 3\.4 mm\)/],
    ['bad_mixed_size', /slices differ in size: 48×40 .* vs 40×32/],
    ['bad_gantry_tilt', /sheared \(gantry tilt 12°\)/],
    ['bad_truncated', /^IM0000: the DICOM file is truncated/],
    ['pydicom/MR_truncated.dcm', /^MR_truncated\.dcm: the DICOM file is truncated/],
    ['pydicom/rtplan.dcm', /^rtplan\.dcm: this is an RT Plan, not an image/],
    ['pydicom/test-SR.dcm', /^test-SR\.dcm: this is a Comprehensive SR, not an image/],
    ['pydicom/JPGExtended.dcm', /12-bit lossy JPEG .* not supported/],
    ['pydicom/liver_1frame.dcm', /only a DICOM-SEG/],
  ];
  for (const [rel, message] of cases) {
    it(rel, async () => {
      const e = await failure(rel);
      expect(e.message).toMatch(message);
      expect(e.message).not.toMatch(/\n/);
    });
  }

  it('an empty set of files', async () => {
    await expect(readDicomVolume([], 'empty')).rejects.toThrow(/^empty: no files found/);
  });

  it('a truncated slice in a complete series names the truncated file, not a missing slice', async () => {
    const files = dicomFiles('ct_axial').filter((f) => f.name !== 'IM0000');
    files.push(...dicomFiles('bad_truncated'));
    await expect(readDicomVolume(files, 'series')).rejects.toThrow(/^IM0000: the DICOM file is truncated/);
  });
});
