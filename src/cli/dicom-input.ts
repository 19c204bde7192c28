import fs from 'node:fs/promises';
import path from 'node:path';
import { TesseraError } from '../core/errors';
import { bytesSource } from '../core/io/archive/byte-source';
import { isZip, openZip, readZipEntry } from '../core/io/archive/zip-reader';
import { looksLikeDicom } from '../core/io/dicom/dicom-instance';
import type { DicomScan, NamedBytes } from '../core/io/dicom/read-dicom';
import { scanDicomFiles } from '../core/io/dicom/read-dicom';
import { readFileBytes } from './node-files';

/** Every file under a folder (recursively), names relative to it; hidden files (.DS_Store) skipped. */
async function readFolder(dir: string): Promise<NamedBytes[]> {
  const out: NamedBytes[] = [];
  const walk = async (d: string) => {
    const entries = (await fs.readdir(d, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(d, e.name);
      if (e.isDirectory()) await walk(full);
      // Named by their path, so a message points at the very file.
      else if (e.isFile()) out.push({ name: full, bytes: await readFileBytes(full) });
    }
  };
  await walk(dir);
  return out;
}

async function readZip(bytes: Uint8Array, name: string): Promise<NamedBytes[]> {
  const zip = await openZip(bytesSource(bytes, name));
  const out: NamedBytes[] = [];
  for (const p of [...zip.entries.keys()].sort()) {
    if (p.endsWith('/') || p.startsWith('__MACOSX/') || path.basename(p).startsWith('.')) continue;
    out.push({ name: `${name}/${p}`, bytes: await readZipEntry(zip, p) });
  }
  return out;
}

/** Whether a command-line input is DICOM: a folder, a zip, or a file with a DICOM header. */
export async function isDicomInput(target: string): Promise<boolean> {
  const stat = await fs.stat(target).catch(() => null);
  if (!stat) return false;
  if (stat.isDirectory()) return true;
  const head = new Uint8Array(132);
  const fh = await fs.open(target, 'r');
  try {
    await fh.read(head, 0, 132, 0);
  } finally {
    await fh.close();
  }
  return isZip(head) || looksLikeDicom(head);
}

/** The files of a DICOM input (file, folder or zip), read and grouped into series. */
export async function scanDicomInput(target: string): Promise<DicomScan> {
  const stat = await fs.stat(target).catch(() => null);
  if (!stat) throw new TesseraError('not-found', target, 'no such file or directory');
  let files: NamedBytes[];
  if (stat.isDirectory()) files = await readFolder(target);
  else {
    const bytes = await readFileBytes(target);
    files = isZip(bytes) ? await readZip(bytes, target) : [{ name: target, bytes }];
  }
  return scanDicomFiles(files);
}
