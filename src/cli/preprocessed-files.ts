import fs from 'node:fs/promises';
import path from 'node:path';
import { TesseraError } from '../core/errors';
import { writeNpy } from '../core/io/volume/npy';
import type { Affine } from '../core/io/volume/volume';
import { classLocationsToJson } from '../core/preprocessing/class-locations';
import { type PreprocessedCase, segStorage } from '../core/preprocessing/preprocess-case';

/**
 * A preprocessed case as nnU-Net's run_case gives it, on disk: <case>_data.npy (float32, c, z, y, x),
 * <case>_seg.npy (int8, or int16 above 127; 1, z, y, x) and <case>_properties.json.
 */
export async function writePreprocessedCase(
  outDir: string,
  id: string,
  r: PreprocessedCase,
  affine?: Affine,
): Promise<string[]> {
  const shape = r.shape;
  const files = [`${id}_data.npy`, `${id}_seg.npy`, `${id}_properties.json`].map((f) => path.join(outDir, f));
  try {
    await fs.mkdir(outDir, { recursive: true });
    // header, then the channels one after another: no (c, z, y, x) copy in memory
    const header = writeNpy(new Float32Array(0), [r.data.length, ...shape]);
    const handle = await fs.open(files[0], 'w');
    try {
      await handle.write(header);
      for (const ch of r.data) await handle.write(new Uint8Array(ch.buffer, ch.byteOffset, ch.byteLength));
    } finally {
      await handle.close();
    }
    await fs.writeFile(files[1], writeNpy(segStorage(r.seg), [1, ...shape]));
    const properties: Record<string, unknown> = {};
    if (affine) properties.nibabel_stuff = { original_affine: affine };
    Object.assign(properties, r.properties);
    if (r.classLocations) properties.class_locations = classLocationsToJson(r.classLocations);
    await fs.writeFile(files[2], `${JSON.stringify(properties)}\n`);
  } catch (e) {
    if (e instanceof TesseraError) throw e;
    throw new TesseraError(
      'bad-argument',
      outDir,
      `cannot be written (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  return files;
}
