/// <reference lib="webworker" />
// Reads and decompresses dropped volumes off the main thread. The result is one buffer, transferred:
// an uncompressed NIfTI for NiiVue whose voxel part is also the Volume's data (no second copy).

import { cropBox, rasterizeTiles, type TileGrid } from '../src/core/inference/tile-grid';
import { writeNifti } from '../src/core/io/volume/nifti-writer';
import { readVolume } from '../src/core/io/volume/read-volume';
import { typedView, type Volume, type VoxelArray } from '../src/core/io/volume/volume';
import { looksLikeLabelMap, volumeInfo } from '../src/core/io/volume/volume-info';
import { webEndpoint } from '../src/core/parallel/endpoints';
import { serve, withTransfer } from '../src/core/parallel/rpc';

export interface OpenedVolume {
  volume: Volume;
  info: ReturnType<typeof volumeInfo>;
  display: Uint8Array;
  isLabelMap: boolean;
}

async function open({ file, name }: { file: Blob; name: string }): Promise<OpenedVolume> {
  const volume = await readVolume(new Uint8Array(await file.arrayBuffer()), name);
  const display = await writeNifti({ data: volume.data, shape: volume.shape, like: volume, compress: false });
  volume.data = typedView(display.buffer, 352, volume.datatype, volume.data.length);
  return withTransfer({ volume, info: volumeInfo(volume), display, isLabelMap: looksLikeLabelMap(volume) }, [
    display.buffer,
  ]);
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
  rasterizeTiles: rasterize,
});
