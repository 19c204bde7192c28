import { useEffect, useState } from 'react';
import { type TileGrid, tileGridInBox } from '../../core/inference/tile-grid';
import { zyxShape, zyxSpacing } from '../../core/io/volume/volume';
import type { BBox3 } from '../../core/preprocessing/crop';
import { activeScan, useStore } from '../store';
import type { Overlay } from '../viewer/niivue-controller';
import { cropBoxInWorker, rasterizeTilesInWorker } from '../workers';
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

/** Drawn overlays by what they show, so a memory step that leaves the patch as it was redraws nothing. */
const drawn = new Map<string, Overlay>();
/** How long the plan must stay put before its tiles are drawn on the scan. */
const OVERLAY_SETTLE_MS = 300;
const grids = new Map<string, TileGrid>();

/**
 * The selected configuration's patch box and tile grid on the active scan (Plan mode). Re-planning is
 * arithmetic on the cached crop box; the per-voxel drawing runs in the I/O worker, and only when the
 * patch, spacing or the boxes shown change.
 */
export function usePlanOverlay(): TileSummary | null {
  const scan = useStore(activeScan);
  const box = useCropBox();
  const { plans, configuration, showPatch, showGrid } = usePlan();
  const cfg = plans && configuration ? plans.configurations[configuration] : null;
  const patch = Array.isArray(cfg?.patch_size) ? (cfg.patch_size as number[]) : null;
  const spacing = Array.isArray(cfg?.spacing) ? (cfg.spacing as number[]) : null;
  const tf = plans?.transpose_forward ?? null;
  const key =
    scan && box && patch && spacing && tf
      ? `${scan.id}|${patch}|${spacing}|${tf}|${showPatch}|${showGrid}`
      : null;
  let grid = key ? (grids.get(key) ?? null) : null;
  if (key && !grid && scan && box && patch && spacing && tf) {
    grid = tileGridInBox(box, zyxShape(scan.volume), zyxSpacing(scan.volume), {
      spacing,
      patchSize: patch,
      transposeForward: tf,
    });
    if (grids.size > 64) grids.clear();
    grids.set(key, grid);
  }
  const [overlay, setOverlay] = useState<Overlay | null>(null);
  useEffect(() => {
    if (!key || !grid || !scan || !(showPatch || showGrid)) return setOverlay(null);
    const known = drawn.get(key);
    if (known) {
      const timer = setTimeout(() => setOverlay(known), OVERLAY_SETTLE_MS);
      return () => clearTimeout(timer);
    }
    let live = true;
    // Redraw the boxes once the slider rests: NiiVue rebuilding a full-size label layer is the one cost a
    // step cannot afford (seconds on a software renderer), and intermediate positions are never looked at.
    const timer = setTimeout(() => {
      void rasterizeTilesInWorker(grid, zyxShape(scan.volume), { grid: showGrid, patch: showPatch }).then(
        (data) => {
          const o: Overlay = {
            data,
            names: { 1: 'patch', 2: 'tile' },
            colors: { 1: [255, 210, 40], 2: [64, 191, 255] },
          };
          if (drawn.size > 16) drawn.clear();
          drawn.set(key, o);
          if (live) setOverlay(o);
        },
      );
    }, OVERLAY_SETTLE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, grid, scan, showPatch, showGrid]);
  if (!scan || !grid) return null;
  return {
    scanName: scan.name,
    plain: grid.evaluations.plain,
    mirrored: grid.evaluations.mirrored,
    overlay,
  };
}
