import { execFileSync, execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rgbToDicomLab } from '../../../../src/core/io/dicom/cielab';
import { parseDicomInstance } from '../../../../src/core/io/dicom/dicom-instance';
import { readDicomVolume } from '../../../../src/core/io/dicom/read-dicom';
import { readSegOverImage } from '../../../../src/core/io/dicom/seg-reader';
import { writeDicomSeg } from '../../../../src/core/io/dicom/seg-writer';
import { segmentCodes } from '../../../../src/core/io/dicom/segment-codes';
import { labelColor } from '../../../../src/core/io/volume/label-colors';
import type { Volume } from '../../../../src/core/io/volume/volume';
import { dicomFiles, fixtureLabels, TOTAL_NAMES } from './dicom-helpers';

const ROOT = path.resolve(__dirname, '../../../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-seg-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(() => {
  execSync(`node ${path.join(ROOT, 'scripts/ensure-dicom-tools.mjs')}`, { stdio: 'inherit' });
});

/** dciodvfy's findings: every "Error" and "Warning" line (an empty list is a valid object). */
function dciodvfy(bytes: Uint8Array): string[] {
  const f = path.join(tmp, `v${Math.random().toString(36).slice(2)}.dcm`);
  fs.writeFileSync(f, bytes);
  let out: string;
  try {
    out = execFileSync('dciodvfy', [f], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    out = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}`;
  }
  return out.split('\n').filter((l) => /^(Error|Warning)/.test(l));
}

interface PydicomSeg {
  sop_class: string;
  segmentation_type: string;
  study_uid: string;
  frame_of_reference_uid: string;
  patient_id: string;
  referenced_series: string;
  referenced_instances: number;
  segments: {
    number: number;
    label: string;
    algorithm_type: string;
    algorithm_name: string;
    type: string;
    lab: number[];
  }[];
  frames: { segment: number; position: number[]; source_instance: string; voxels: number }[];
}

function pydicomRead(bytes: Uint8Array): PydicomSeg {
  const f = path.join(tmp, `p${Math.random().toString(36).slice(2)}.dcm`);
  fs.writeFileSync(f, bytes);
  return JSON.parse(
    execFileSync('/usr/bin/python3', [path.join(ROOT, 'scripts/fixtures/read_dicom_seg.py'), f], {
      encoding: 'utf8',
    }),
  );
}

const segments = Object.entries(TOTAL_NAMES).map(([v, name]) => ({ label: Number(v), name }));

async function series(name: string): Promise<{ image: Volume; labels: Uint8Array }> {
  const image = await readDicomVolume(dicomFiles(name), name);
  return { image, labels: await fixtureLabels(image) };
}

describe('DICOM-SEG export', () => {
  it('is valid (dciodvfy: no errors, no warnings), references its source, and pydicom reads it back', async () => {
    const { image, labels } = await series('ct_axial');
    const seg = writeDicomSeg(
      { data: labels, shape: image.shape, affine: image.affine, name: 'seg' },
      image,
      {
        segments,
        modelName: 'Dataset001_TSAbdomenCT 3d_fullres',
      },
    );
    expect(dciodvfy(seg.bytes)).toEqual([]);
    expect(seg.generated).toEqual([]);
    const back = pydicomRead(seg.bytes);
    const info = image.source.dicom!;
    expect(back.sop_class).toBe('1.2.840.10008.5.1.4.1.1.66.4');
    expect(back.segmentation_type).toBe('BINARY');
    expect(back.study_uid).toBe(info.studyUid);
    expect(back.frame_of_reference_uid).toBe(info.frameOfReferenceUid);
    expect(back.referenced_series).toBe(info.seriesUid);
    expect(back.referenced_instances).toBe(10);
    expect(back.patient_id).toBe('TESSERA-0001');
    // One segment per label present, named from dataset.json (unnamed labels keep their number).
    const present = [...new Set(labels)].filter((v) => v).sort((a, b) => a - b);
    expect(back.segments.map((s) => s.label)).toEqual(present.map((v) => TOTAL_NAMES[v] ?? `label ${v}`));
    const liver = back.segments.find((s) => s.label === 'liver')!;
    expect(liver).toMatchObject({
      algorithm_type: 'AUTOMATIC',
      algorithm_name: 'Dataset001_TSAbdomenCT 3d_fullres',
      type: '10200004',
    });
    expect(liver.lab).toEqual(rgbToDicomLab(labelColor(5)));
    expect(back.segments.find((s) => s.label === 'kidney_right')?.type).toBe('9846003');
    // Frames only where a segment is present; each frame's voxel count matches the label map's slice.
    const plane = image.shape[0] * image.shape[1];
    let expectedFrames = 0;
    for (const [s, v] of present.entries())
      for (let k = 0; k < image.shape[2]; k++) {
        let n = 0;
        for (let i = k * plane; i < (k + 1) * plane; i++) if (labels[i] === v) n++;
        if (!n) continue;
        expectedFrames++;
        const frame = back.frames.find(
          (f) => f.segment === s + 1 && Math.abs(f.position[2] - (31 + 2.5 * k)) < 1e-3,
        );
        expect(frame?.voxels, `segment ${s + 1} slice ${k}`).toBe(n);
        expect(frame?.source_instance).toBe(info.slices[k].sopInstanceUid);
      }
    expect(back.frames).toHaveLength(expectedFrames);
  });

  it('reads back over its series as the same label map (axial, oblique and sagittal series)', async () => {
    for (const name of ['ct_axial', 'ct_oblique', 'ct_sagittal']) {
      const { image, labels } = await series(name);
      const seg = writeDicomSeg(
        { data: labels, shape: image.shape, affine: image.affine, name: 'seg' },
        image,
        {
          segments,
          modelName: 'm',
        },
      );
      if (name !== 'ct_axial') expect(dciodvfy(seg.bytes)).toEqual([]);
      const read = readSegOverImage(await parseDicomInstance(seg.bytes, 'seg.dcm'), image);
      expect(read.overlapVoxels).toBe(0);
      // Segment numbers back to label values.
      const toLabel = [0, ...seg.labels];
      const mapped = Uint8Array.from(read.labels.data, (s) => toLabel[s]);
      expect(Buffer.compare(Buffer.from(mapped), Buffer.from(labels)), name).toBe(0);
      expect(read.segments.find((s) => s.label === 'liver')?.color).toEqual(labelColor(5));
    }
  });

  it('a source with blank UIDs: valid UIDs are generated and reported', async () => {
    const { image, labels } = await series('ct_j2k_blank_uids');
    const seg = writeDicomSeg(
      { data: labels, shape: image.shape, affine: image.affine, name: 'seg' },
      image,
      {
        segments,
        modelName: 'm',
      },
    );
    expect(seg.generated).toEqual([
      'StudyInstanceUID',
      'SeriesInstanceUID (of the source series)',
      'FrameOfReferenceUID',
    ]);
    expect(dciodvfy(seg.bytes)).toEqual([]);
    expect(pydicomRead(seg.bytes).study_uid).toMatch(/^2\.25\.\d+$/);
  });

  it('refuses an empty segmentation and a scan that did not come from DICOM', async () => {
    const { image } = await series('ct_axial');
    const empty = new Uint8Array(image.data.length);
    expect(() =>
      writeDicomSeg({ data: empty, shape: image.shape, affine: image.affine, name: 'seg' }, image, {
        segments,
        modelName: 'm',
      }),
    ).toThrow(/seg: the segmentation is empty/);
    const notDicom = { ...image, source: { ...image.source, dicom: undefined } };
    expect(() =>
      writeDicomSeg({ data: empty, shape: image.shape, affine: image.affine, name: 'seg' }, notDicom, {
        segments,
        modelName: 'm',
      }),
    ).toThrow(/not read from DICOM/);
  });
});

describe('segment codes and colours', () => {
  it('SNOMED CT codes from label names, laterality as a modifier, a generic fallback', () => {
    expect(segmentCodes('liver').type.value).toBe('10200004');
    expect(segmentCodes('Kidney_Left').type.value).toBe('18639004');
    const adrenal = segmentCodes('adrenal_gland_right');
    expect(adrenal.type.value).toBe('23451007');
    expect(adrenal.modifier?.value).toBe('24028007');
    expect(segmentCodes('tumor').category.value).toBe('49755003');
    expect(segmentCodes('whatever 7')).toMatchObject({ matched: false, type: { value: '85756007' } });
  });

  it('CIELab: white and black as PS3.3 scales them', () => {
    expect(rgbToDicomLab([255, 255, 255])).toEqual([65535, 32896, 32896]);
    expect(rgbToDicomLab([0, 0, 0])).toEqual([0, 32896, 32896]);
  });
});
