import { TesseraError } from '../../errors';
import type { VoxelArray } from '../volume/volume';
import { decodeCompressedFrame } from './codecs';
import type { DicomInstance } from './dicom-instance';
import { dicomParser } from './dicom-parser-module';
import { decodeRle } from './rle-decoder';
import { TRANSFER_SYNTAXES } from './transfer-syntax';

/** The stored sample type of an instance: bits allocated and pixel representation. */
export function storedArrayType(
  inst: DicomInstance,
): 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' {
  const signed = inst.pixelRepresentation === 1;
  if (inst.bitsAllocated === 8) return signed ? 'int8' : 'uint8';
  if (inst.bitsAllocated === 16) return signed ? 'int16' : 'uint16';
  return signed ? 'int32' : 'uint32';
}

function viewAs(bytes: Uint8Array, inst: DicomInstance): VoxelArray {
  const n = inst.rows * inst.columns;
  const own = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  switch (storedArrayType(inst)) {
    case 'uint8':
      return new Uint8Array(own.buffer, own.byteOffset, n);
    case 'int8':
      return new Int8Array(own.buffer, own.byteOffset, n);
    case 'uint16':
      return new Uint16Array(own.buffer, own.byteOffset, n);
    case 'int16':
      return new Int16Array(own.buffer, own.byteOffset, n);
    case 'uint32':
      return new Uint32Array(own.buffer, own.byteOffset, n);
    case 'int32':
      return new Int32Array(own.buffer, own.byteOffset, n);
  }
}

/** Signed samples narrower than their container (e.g. 12 of 16 bits) are sign-extended from BitsStored. */
function signExtend(a: VoxelArray, inst: DicomInstance): void {
  const shift = inst.bitsAllocated - inst.bitsStored;
  if (inst.pixelRepresentation !== 1 || shift <= 0 || inst.bitsAllocated === 32) return;
  const width = inst.bitsAllocated;
  for (let i = 0; i < a.length; i++) a[i] = ((a[i] << (32 - width + shift)) >> (32 - width + shift)) | 0;
}

/** Stored values of frame `index` (row-major, rows × columns), before rescale slope/intercept. */
export async function readFrame(inst: DicomInstance, index: number): Promise<VoxelArray> {
  const ds = inst.dataSet;
  const el = ds.elements.x7fe00010;
  const ts = TRANSFER_SYNTAXES[inst.transferSyntax];
  const pixels = inst.rows * inst.columns;
  const bytesPer = inst.bitsAllocated / 8;
  const frameBytes = pixels * bytesPer;
  let out: Uint8Array;
  if (!el.encapsulatedPixelData) {
    const start = el.dataOffset + index * frameBytes;
    if (el.dataOffset + el.length > ds.byteArray.length || (index + 1) * frameBytes > el.length)
      throw new TesseraError(
        'truncated-data',
        inst.file,
        `the pixel data is truncated: ${Math.min(el.length, ds.byteArray.length - el.dataOffset)} bytes, ${inst.numberOfFrames * frameBytes} expected`,
      );
    out = ds.byteArray.slice(start, start + frameBytes);
    if (ts.bigEndian && bytesPer > 1) {
      for (let i = 0; i < out.length; i += bytesPer) out.subarray(i, i + bytesPer).reverse();
    }
  } else {
    const fragments = el.fragments ?? [];
    let encoded: Uint8Array;
    try {
      if (inst.numberOfFrames === 1) {
        encoded = dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, fragments.length);
      } else if (el.basicOffsetTable?.length) {
        encoded = dicomParser.readEncapsulatedImageFrame(ds, el, index, el.basicOffsetTable);
      } else if (fragments.length === inst.numberOfFrames) {
        encoded = dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, index, 1);
      } else {
        const table = dicomParser.createJPEGBasicOffsetTable(ds, el);
        encoded = dicomParser.readEncapsulatedImageFrame(ds, el, index, table);
      }
    } catch (e) {
      throw new TesseraError(
        'truncated-data',
        inst.file,
        `frame ${index + 1} of the compressed pixel data is missing or truncated (${String(e).replace(/^dicomParser\.\w+: /, '')})`,
      );
    }
    if (ts.codec === 'rle') out = decodeRle(encoded, pixels, bytesPer, inst.file);
    else if (ts.codec === 'native') out = encoded;
    else {
      const d = await decodeCompressedFrame(ts.codec, encoded, inst.file);
      if (d.width !== inst.columns || d.height !== inst.rows)
        throw new TesseraError(
          'bad-header',
          inst.file,
          `the compressed image is ${d.width}×${d.height} but the header says ${inst.columns}×${inst.rows}`,
        );
      out = widen(d.bytes, d.bitsPerSample, bytesPer, pixels);
    }
    if (out.length < frameBytes)
      throw new TesseraError(
        'truncated-data',
        inst.file,
        `the decoded frame has ${out.length} bytes, ${frameBytes} expected`,
      );
  }
  const values = viewAs(out, inst);
  signExtend(values, inst);
  return values;
}

/** A codec may return 8-bit samples for a 16-bit container (or the reverse when precision is ≤ 8). */
function widen(bytes: Uint8Array, bits: number, bytesPer: number, pixels: number): Uint8Array {
  const have = bits <= 8 ? 1 : 2;
  if (have === bytesPer || bytes.length === pixels * bytesPer) return bytes;
  const out = new Uint8Array(pixels * bytesPer);
  if (have === 1 && bytesPer === 2) for (let i = 0; i < pixels; i++) out[2 * i] = bytes[i];
  else if (have === 2 && bytesPer === 1) for (let i = 0; i < pixels; i++) out[i] = bytes[2 * i];
  else return bytes;
  return out;
}
