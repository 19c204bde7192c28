// The codec packages ship no type declarations; these are the parts the decoders use.
interface EmscriptenCodecOptions {
  locateFile?: (file: string, prefix: string) => string;
  print?: (s: string) => void;
  printErr?: (s: string) => void;
}

declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  const factory: (o?: EmscriptenCodecOptions) => Promise<unknown>;
  export default factory;
}
declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: (o?: EmscriptenCodecOptions) => Promise<unknown>;
  export default factory;
}
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  const factory: (o?: EmscriptenCodecOptions) => Promise<unknown>;
  export default factory;
}
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    decompress(buffer: ArrayBuffer, offset: number, length: number): ArrayBuffer;
  }
}
