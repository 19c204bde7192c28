/** The transfer syntaxes the reader decodes, and which decoder each needs. */
export type PixelCodec = 'native' | 'rle' | 'jpeg-baseline' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg-2000';

interface TransferSyntax {
  name: string;
  codec: PixelCodec;
  bigEndian?: boolean;
  deflated?: boolean;
}

export const TRANSFER_SYNTAXES: Record<string, TransferSyntax> = {
  '1.2.840.10008.1.2': { name: 'implicit VR little endian', codec: 'native' },
  '1.2.840.10008.1.2.1': { name: 'explicit VR little endian', codec: 'native' },
  '1.2.840.10008.1.2.1.99': { name: 'deflated explicit VR little endian', codec: 'native', deflated: true },
  '1.2.840.10008.1.2.2': { name: 'explicit VR big endian', codec: 'native', bigEndian: true },
  '1.2.840.10008.1.2.5': { name: 'RLE lossless', codec: 'rle' },
  '1.2.840.10008.1.2.4.50': { name: 'JPEG baseline (8-bit)', codec: 'jpeg-baseline' },
  '1.2.840.10008.1.2.4.51': { name: 'JPEG extended (12-bit)', codec: 'jpeg-baseline' },
  '1.2.840.10008.1.2.4.57': { name: 'JPEG lossless', codec: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.70': { name: 'JPEG lossless SV1', codec: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS lossless', codec: 'jpeg-ls' },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS near-lossless', codec: 'jpeg-ls' },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 lossless', codec: 'jpeg-2000' },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000', codec: 'jpeg-2000' },
};

export const IMPLICIT_LITTLE = '1.2.840.10008.1.2';
export const EXPLICIT_LITTLE = '1.2.840.10008.1.2.1';
export const DEFLATED = '1.2.840.10008.1.2.1.99';
