import { TesseraError } from '../../errors';
import type { PixelCodec } from './transfer-syntax';

/**
 * The compressed-pixel decoders, loaded on first use: OpenJPEG (JPEG 2000), CharLS (JPEG-LS) and
 * libjpeg-turbo (baseline JPEG) as WebAssembly, and jpeg-lossless-decoder-js (lossless JPEG, plain JS).
 * In Node the wasm files are found next to their loaders; a bundle sets `setCodecWasmLocator` to the
 * URLs of the wasm files it ships.
 */
export interface DecodedFrame {
  /** Samples, little-endian, `bitsPerSample` rounded up to 8 or 16. */
  bytes: Uint8Array;
  width: number;
  height: number;
  bitsPerSample: number;
}

type WasmName = 'openjpeg' | 'charls' | 'libjpeg-turbo';
let locateWasm: ((name: WasmName) => string) | null = null;

/** Where the page's bundle serves each codec's wasm file (the Node CLI and tests need none). */
export function setCodecWasmLocator(locate: (name: WasmName) => string): void {
  locateWasm = locate;
}

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number };
  getDecodedBuffer(): Uint8Array;
  delete?(): void;
}
type WasmModule = Record<string, new () => WasmDecoder>;

const modules = new Map<WasmName, Promise<WasmModule>>();

function loadWasm(name: WasmName): Promise<WasmModule> {
  let m = modules.get(name);
  if (!m) {
    const options = {
      // OpenJPEG reports progress on stdout; a codec's chatter is not the user's business.
      print: () => {},
      printErr: () => {},
      ...(locateWasm ? { locateFile: () => (locateWasm as (n: WasmName) => string)(name) } : {}),
    };
    const load = async () => {
      switch (name) {
        case 'openjpeg':
          return (await import('@cornerstonejs/codec-openjpeg/decodewasmjs')).default(options);
        case 'charls':
          return (await import('@cornerstonejs/codec-charls/decodewasmjs')).default(options);
        case 'libjpeg-turbo':
          return (await import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs')).default(options);
      }
    };
    m = load().then((x) => x as WasmModule);
    m.catch(() => modules.delete(name));
    modules.set(name, m);
  }
  return m;
}

const DECODER_CLASS: Record<WasmName, string> = {
  openjpeg: 'J2KDecoder',
  charls: 'JpegLSDecoder',
  'libjpeg-turbo': 'JPEGDecoder',
};

async function wasmDecode(name: WasmName, frame: Uint8Array): Promise<DecodedFrame> {
  const mod = await loadWasm(name);
  const decoder = new mod[DECODER_CLASS[name]]();
  try {
    decoder.getEncodedBuffer(frame.length).set(frame);
    decoder.decode();
    const info = decoder.getFrameInfo();
    if (info.componentCount !== 1) throw new Error(`${info.componentCount} colour components`);
    // The decoded buffer is a view into the wasm heap: copy it out before the decoder is freed.
    return {
      bytes: decoder.getDecodedBuffer().slice(),
      width: info.width,
      height: info.height,
      bitsPerSample: info.bitsPerSample,
    };
  } finally {
    decoder.delete?.();
  }
}

async function losslessJpegDecode(frame: Uint8Array): Promise<DecodedFrame> {
  const { Decoder } = await import('jpeg-lossless-decoder-js');
  const copy = frame.slice();
  const out = new Decoder().decompress(copy.buffer, 0, copy.length);
  const sof = readJpegFrameHeader(frame);
  return { bytes: new Uint8Array(out), width: sof.width, height: sof.height, bitsPerSample: sof.precision };
}

/** The SOF marker's precision and size (the lossless decoder does not report them). */
function readJpegFrameHeader(jpeg: Uint8Array): { precision: number; width: number; height: number } {
  for (let p = 2; p + 9 < jpeg.length; ) {
    if (jpeg[p] !== 0xff) return { precision: 16, width: 0, height: 0 };
    const marker = jpeg[p + 1];
    const len = (jpeg[p + 2] << 8) | jpeg[p + 3];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return {
        precision: jpeg[p + 4],
        height: (jpeg[p + 5] << 8) | jpeg[p + 6],
        width: (jpeg[p + 7] << 8) | jpeg[p + 8],
      };
    p += 2 + len;
  }
  return { precision: 16, width: 0, height: 0 };
}

/** Decode one compressed frame; a codec failure is reported as the file's fault, in one line. */
export async function decodeCompressedFrame(
  codec: Exclude<PixelCodec, 'native' | 'rle'>,
  frame: Uint8Array,
  file: string,
): Promise<DecodedFrame> {
  try {
    switch (codec) {
      case 'jpeg-2000':
        return await wasmDecode('openjpeg', frame);
      case 'jpeg-ls':
        return await wasmDecode('charls', frame);
      case 'jpeg-baseline': {
        const sof = readJpegFrameHeader(frame);
        if (sof.precision > 8)
          throw new TesseraError(
            'unsupported-format',
            file,
            `${sof.precision}-bit lossy JPEG (extended process 4) is not supported; re-encode the series (e.g. gdcmconv --raw)`,
          );
        return await wasmDecode('libjpeg-turbo', frame);
      }
      case 'jpeg-lossless':
        return await losslessJpegDecode(frame);
    }
  } catch (e) {
    if (e instanceof TesseraError) throw e;
    const why = e instanceof Error ? e.message : typeof e === 'number' ? `codec error ${e}` : String(e);
    throw new TesseraError(
      'bad-header',
      file,
      `the compressed pixel data cannot be decoded (${codec}: ${why})`,
    );
  }
}
