import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dosDateTime, writeZip } from '../../../src/core/io/archive/zip-writer';

const enc = new TextEncoder();
const FIXTURES = path.resolve('tests/fixtures/io/zip');

/** Date and time fields of the first local header and of the first central-directory record. */
function stamps(zip: Uint8Array): { local: number[]; central: number[] } {
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let cd = zip.length - 22;
  while (dv.getUint32(cd, true) !== 0x06054b50) cd--;
  const first = dv.getUint32(cd + 16, true);
  return {
    local: [dv.getUint16(10, true), dv.getUint16(12, true)],
    central: [dv.getUint16(first + 12, true), dv.getUint16(first + 14, true)],
  };
}

// Written by Python's zipfile (scripts/fixtures/make_zip_timestamp_fixture.py) with these date_time values.
const PYTHON = [
  ['python_2026-12-06_22-41-36.zip', new Date(2026, 11, 6, 22, 41, 37)],
  ['python_1980-01-01_00-00-00.zip', undefined],
] as const;

describe('zip timestamps', () => {
  const files = [{ name: 'a/plans.json', data: enc.encode('{}') }];

  for (const [fixture, modified] of PYTHON) {
    it(`${modified ? 'a given time' : 'the default (1980-01-01 00:00)'}: the fields Python's zipfile writes`, () => {
      const python = stamps(new Uint8Array(fs.readFileSync(path.join(FIXTURES, fixture))));
      const ours = stamps(writeZip(files, modified ? { modified } : {}));
      expect(ours).toEqual(python);
      // never the all-zero date (month 0, day 0) unzip reports as invalid
      expect(ours.local[1] & 0x1ff).not.toBe(0);
    });
  }

  it('the same input gives the same bytes by default; dates before 1980 clamp to the DOS epoch', () => {
    expect(writeZip(files)).toEqual(writeZip(files));
    expect(dosDateTime(new Date(1970, 0, 1))).toEqual(dosDateTime(new Date(1980, 0, 1, 0, 0, 0)));
  });
});
