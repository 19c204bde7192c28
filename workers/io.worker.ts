/// <reference lib="webworker" />
// Reads and decompresses dropped volumes off the main thread. The result is one buffer, transferred:
// an uncompressed NIfTI for NiiVue whose voxel part is also the Volume's data (no second copy).

import charlsWasm from '@cornerstonejs/codec-charls/decodewasm?url';
import libjpegTurboWasm from '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm?url';
import openjpegWasm from '@cornerstonejs/codec-openjpeg/decodewasm?url';
import { cropBox, rasterizeTiles, type TileGrid } from '../src/core/inference/tile-grid';
import { setCodecWasmLocator } from '../src/core/io/dicom/codecs';
import { type DicomListing, dropBytes, scanDrop } from '../src/core/io/dicom/dicom-drop';
import { parseDicomInstance } from '../src/core/io/dicom/dicom-instance';
import type { DicomScan } from '../src/core/io/dicom/read-dicom';
import { readDicomSeries } from '../src/core/io/dicom/read-dicom';
import { readSegOverImage, type SegSegmentInfo } from '../src/core/io/dicom/seg-reader';
import { writeNifti } from '../src/core/io/volume/nifti-writer';
import { readVolume } from '../src/core/io/volume/read-volume';
import { typedView, type Volume, type VoxelArray } from '../src/core/io/volume/volume';
import { looksLikeLabelMap, volumeInfo } from '../src/core/io/volume/volume-info';
import { webEndpoint } from '../src/core/parallel/endpoints';
import { type HandlerContext, serve, withTransfer } from '../src/core/parallel/rpc';

// The codecs' wasm files ship in the bundle; nothing is fetched from elsewhere.
const WASM = { openjpeg: openjpegWasm, charls: charlsWasm, 'libjpeg-turbo': libjpegTurboWasm };
setCodecWasmLocator((name) => WASM[name]);

export interface OpenedVolume {
  volume: Volume;
  info: ReturnType<typeof volumeInfo>;
  display: Uint8Array;
  isLabelMap: boolean;
}

async function opened(volume: Volume): Promise<OpenedVolume> {
  const display = await writeNifti({ data: volume.data, shape: volume.shape, like: volume, compress: false });
  volume.data = typedView(display.buffer, 352, volume.datatype, volume.data.length);
  return withTransfer({ volume, info: volumeInfo(volume), display, isLabelMap: looksLikeLabelMap(volume) }, [
    display.buffer,
  ]);
}

async function open({ file, name }: { file: Blob; name: string }): Promise<OpenedVolume> {
  return opened(await readVolume(new Uint8Array(await file.arrayBuffer()), name));
}

/** The last DICOM drop, parsed, until its series is opened or another drop replaces it. */
let dicom: { token: number; scan: DicomScan; name: string } | null = null;
let tokens = 0;

async function scanDicom(
  { files, name }: { files: { name: string; file: Blob }[]; name: string },
  ctx: HandlerContext,
): Promise<{ token: number; listing: DicomListing }> {
  dicom = null;
  const bytes = await dropBytes(files, ctx.progress);
  const { scan, listing } = await scanDrop(bytes, name, ctx.progress);
  dicom = { token: ++tokens, scan, name };
  return { token: dicom.token, listing };
}

function session(token: number) {
  if (!dicom || dicom.token !== token) throw new Error('the DICOM drop is no longer open; drop it again');
  return dicom;
}

async function openDicomSeries(
  { token, index }: { token: number; index: number },
  ctx: HandlerContext,
): Promise<OpenedVolume> {
  const { scan, name } = session(token);
  const series = scan.series.find((s) => s.index === index);
  if (!series) throw new Error(`${name}: no series ${index}`);
  const multi = scan.series.filter((s) => !s.isSegmentation).length > 1;
  const volume = await readDicomSeries(scan, series, multi ? `${name} #${index}` : name, (done, total) =>
    ctx.progress({ done, total, stage: 'decoding slices' }),
  );
  return opened(volume);
}

/** A DICOM-SEG (from the current drop, or a dropped SEG file) as a label map over an open DICOM scan. */
async function readDicomSeg({
  token,
  index,
  file,
  image,
}: {
  token?: number;
  index?: number;
  file?: { name: string; file: Blob };
  image: Pick<Volume, 'name' | 'shape' | 'spacing' | 'affine' | 'source' | 'datatype'>;
}): Promise<{ data: VoxelArray; segments: SegSegmentInfo[]; overlapVoxels: number; name: string }> {
  const inst = file
    ? await parseDicomInstance(new Uint8Array(await file.file.arrayBuffer()), file.name)
    : session(token as number).scan.series.find((s) => s.index === index)?.instances[0];
  if (!inst) throw new Error('no such DICOM-SEG in the drop');
  const r = readSegOverImage(inst, { ...image, data: new Uint8Array(0) } as Volume);
  return withTransfer(
    { data: r.labels.data, segments: r.segments, overlapVoxels: r.overlapVoxels, name: inst.file },
    [r.labels.data.buffer],
  );
}

/** nnU-Net's crop box of a scan (for drawing sliding-window tiles): the mask work stays off the page. */
function cropBoxOf({ data, shape }: { data: VoxelArray; shape: number[] }) {
  return cropBox([data], [shape[2], shape[1], shape[0]]);
}

/** The tile grid as a label volume: a pass over every voxel, kept off the page while a slider moves. */
function rasterize(o: { grid: TileGrid; shape: [number, number, number]; grid_: boolean; patch: boolean }) {
  const data = rasterizeTiles(o.grid, o.shape, { grid: o.grid_, patch: o.patch });
  return withTransfer(data, [data.buffer]);
}

serve(webEndpoint(self as unknown as DedicatedWorkerGlobalScope), {
  open,
  cropBox: cropBoxOf,
  scanDicom,
  openDicomSeries,
  readDicomSeg,
  rasterizeTiles: rasterize,
});
