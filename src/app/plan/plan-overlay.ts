import { useEffect, useMemo, useState } from 'react';
import { rasterizeTiles, tileGrid } from '../../core/inference/tile-grid';
import { zyxShape, zyxSpacing } from '../../core/io/volume/volume';
import type { BBox3 } from '../../core/preprocessing/crop';
import { activeScan, useStore } from '../store';
import type { Overlay } from '../viewer/niivue-controller';
import { cropBoxInWorker } from '../workers';
import { usePlan } from './plan-store';

const boxes = new Map<string, BBox3>();

/** The crop box of the active scan, computed once per scan in the I/O worker. */
function useCropBox(): BBox3 | null {
  const scan = useStore(activeScan);
  const [box, setBox] = useState<BBox3 | null>(null);
  useEffect(() => {
    if (!scan) return setBox(null);
    const known = boxes.get(scan.id);
    if (known) return setBox(known);
    let live = true;
    void cropBoxInWorker(scan.volume.data, scan.volume.shape).then((b) => {
      boxes.set(scan.id, b);
      if (live) setBox(b);
    });
    return () => {
      live = false;
    };
  }, [scan]);
  return box;
}

export interface TileSummary {
  scanName: string;
  plain: number;
  mirrored: number;
  overlay: Overlay | null;
}

/** The selected configuration's patch box and tile grid on the active scan (Plan mode). */
export function usePlanOverlay(): TileSummary | null {
  const scan = useStore(activeScan);
  const box = useCropBox();
  const { plans, configuration, showPatch, showGrid } = usePlan();
  return useMemo(() => {
    const cfg = plans && configuration ? plans.configurations[configuration] : null;
    if (!scan || !box || !cfg || !Array.isArray(cfg.patch_size) || !Array.isArray(cfg.spacing)) return null;
    const shape = zyxShape(scan.volume);
    const grid = tileGrid(box, shape, zyxSpacing(scan.volume), {
      spacing: cfg.spacing as number[],
      patchSize: cfg.patch_size as number[],
      transposeForward: plans!.transpose_forward,
    });
    const overlay: Overlay | null =
      showPatch || showGrid
        ? {
            data: rasterizeTiles(grid, shape, { grid: showGrid, patch: showPatch }),
            names: { 1: 'patch', 2: 'tile' },
            colors: { 1: [255, 210, 40], 2: [64, 191, 255] },
          }
        : null;
    return {
      scanName: scan.name,
      plain: grid.evaluations.plain,
      mirrored: grid.evaluations.mirrored,
      overlay,
    };
  }, [scan, box, plans, configuration, showPatch, showGrid]);
}
