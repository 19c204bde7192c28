import {
  MULTIPLANAR_TYPE,
  type NiiVueLocation,
  Niivue,
  NVImage,
  SHOW_RENDER,
  SLICE_TYPE,
} from '@niivue/niivue';
import { labelOutline } from '../../core/inference/label-outline';
import { readNifti } from '../../core/io/volume/nifti-reader';
import { INTENT_LABEL, writeNifti } from '../../core/io/volume/nifti-writer';
import type { LabelMap, Layout, Scan, WindowPreset } from '../store';
import { niivueLabelColormap } from './label-colors';

const SLICE: Record<Layout, SLICE_TYPE> = {
  axial: SLICE_TYPE.AXIAL,
  coronal: SLICE_TYPE.CORONAL,
  sagittal: SLICE_TYPE.SAGITTAL,
  multiplanar: SLICE_TYPE.MULTIPLANAR,
  render: SLICE_TYPE.RENDER,
};

/** Window centre/width in HU, as radiologists quote them. */
export const CT_WINDOWS: Record<Exclude<WindowPreset, 'auto'>, { level: number; width: number }> = {
  'soft-tissue': { level: 40, width: 400 },
  bone: { level: 400, width: 1800 },
  lung: { level: -600, width: 1500 },
  brain: { level: 40, width: 80 },
};

export interface Overlay {
  /** extra volumes the modes draw (patch box, tile grid), label-coloured, on the scan's grid */
  data: Uint8Array;
  names: Record<number, string>;
  colors?: Record<number, [number, number, number]>;
}

/**
 * The one place that talks to NiiVue: the scan as volume 0, then the label map, then a mode overlay.
 * Built images are cached by identity so toggling a layer does not rebuild it. It holds no state a user
 * could lose: everything it draws comes from the store.
 */
export class ViewerController {
  readonly nv: Niivue;
  private scanId: string | null = null;
  private label: { key: string; image: NVImage } | null = null;
  private overlay: { key: Overlay; image: NVImage } | null = null;
  private queue: Promise<void> = Promise.resolve();

  private constructor(nv: Niivue) {
    this.nv = nv;
  }

  static async attach(
    canvas: HTMLCanvasElement,
    onLocation: (loc: NiiVueLocation) => void,
  ): Promise<ViewerController> {
    const nv = new Niivue({
      backColor: [0.05, 0.06, 0.08, 1],
      crosshairColor: [0.25, 0.75, 1, 1],
      show3Dcrosshair: true,
      dragAndDropEnabled: false,
      isColorbar: false,
      loadingText: '',
      multiplanarShowRender: SHOW_RENDER.ALWAYS,
      multiplanarLayout: MULTIPLANAR_TYPE.GRID,
    });
    await nv.attachToCanvas(canvas);
    nv.onLocationChange = (loc) => onLocation(loc as NiiVueLocation);
    return new ViewerController(nv);
  }

  /** Serialize updates: NiiVue loads are async and must not interleave. */
  private run(task: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(task, task);
    return this.queue;
  }

  /** Show exactly this scan, label map and overlay (any may be null). */
  show(
    scan: Scan | null,
    map: LabelMap | null,
    overlay: Overlay | null,
    opacity: number,
    colors?: Record<number, [number, number, number]>,
    outline = false,
  ): Promise<void> {
    return this.run(async () => {
      if ((scan?.id ?? null) !== this.scanId) {
        while (this.nv.volumes.length > 0) this.nv.removeVolumeByIndex(this.nv.volumes.length - 1);
        this.scanId = null;
        this.label = null;
        this.overlay = null;
        if (scan) {
          const name = `${scan.name.replace(/\.(nii|nrrd|npy)(\.gz)?$/i, '')}.nii`;
          this.nv.addVolume(await NVImage.loadFromUrl({ url: scan.display, name }));
          this.scanId = scan.id;
        }
      }
      if (!scan) {
        this.nv.drawScene();
        return;
      }
      const labelKey = map ? `${map.id}:${map.version ?? 0}:${outline ? 'outline' : 'filled'}` : null;
      const wantLabel =
        labelKey === this.label?.key
          ? this.label
          : labelKey && map
            ? {
                key: labelKey,
                image: await labelImage(
                  scan,
                  outline ? labelOutline(map.data, scan.volume.shape) : map.data,
                  map.names,
                  `${map.name}.nii`,
                  colors,
                ),
              }
            : null;
      const wantOverlay =
        overlay === this.overlay?.key
          ? this.overlay
          : overlay
            ? {
                key: overlay,
                image: await labelImage(scan, overlay.data, overlay.names, 'overlay.nii', overlay.colors),
              }
            : null;
      if (wantLabel !== this.label || wantOverlay !== this.overlay) {
        while (this.nv.volumes.length > 1) this.nv.removeVolumeByIndex(this.nv.volumes.length - 1);
        if (wantLabel) this.nv.addVolume(wantLabel.image);
        if (wantOverlay) this.nv.addVolume(wantOverlay.image);
        this.label = wantLabel;
        this.overlay = wantOverlay;
      }
      if (this.label) this.nv.setOpacity(1, opacity);
      if (this.overlay) this.nv.setOpacity(this.nv.volumes.length - 1, 0.9);
      this.nv.updateGLVolume();
    });
  }

  /**
   * Label editing: the label map becomes NiiVue's drawing layer (pen = a label value, 0 erases, undo),
   * drawn with the map's own colours; the regular label layer is hidden meanwhile.
   */
  startEditing(
    scan: Scan,
    map: LabelMap,
    colors?: Record<number, [number, number, number]>,
  ): Promise<boolean> {
    return this.run(async () => {
      let max = 0;
      for (let i = 0; i < map.data.length; i++) if (map.data[i] > max) max = map.data[i];
      if (max > 255) throw new Error('label values above 255 cannot be edited in the browser');
      const image = await labelImage(scan, Uint8Array.from(map.data), map.names, 'drawing.nii', colors);
      if (!this.nv.loadDrawing(image)) throw new Error('the label map does not match the scan grid');
      const cm = niivueLabelColormap(255, map.names, colors);
      const lut = new Uint8ClampedArray(256 * 4);
      for (let v = 0; v < 256; v++) lut.set([cm.R[v], cm.G[v], cm.B[v], v === 0 ? 0 : 255], 4 * v);
      (
        this.nv as unknown as {
          drawLut: { lut: Uint8ClampedArray; min: number; max: number; labels: string[] };
        }
      ).drawLut = {
        lut,
        min: 0,
        max: 255,
        labels: cm.labels,
      };
      this.nv.setDrawOpacity(0.7);
      const i = this.label ? this.nv.volumes.indexOf(this.label.image) : -1;
      if (i > 0) this.nv.setOpacity(i, 0);
      this.nv.setDrawingEnabled(true);
      this.nv.updateGLVolume();
    }).then(() => true);
  }

  setPen(value: number, filled: boolean): void {
    this.nv.setPenValue(value, filled);
  }

  undoEdit(): void {
    this.nv.drawUndo();
  }

  /** End editing; with `keep`, return the edited labels in the scan's own voxel order. */
  finishEditing(keep: boolean): Promise<Uint8Array | null> {
    let result: Uint8Array | null = null;
    return this.run(async () => {
      const back = this.nv.volumes[0];
      if (keep && back && this.nv.drawBitmap) {
        const bytes = await back.saveToUint8Array('edited.nii', this.nv.drawBitmap);
        const v = readNifti(bytes, 'edited.nii', false);
        result = Uint8Array.from(v.data);
      }
      this.nv.setDrawingEnabled(false);
      this.nv.closeDrawing();
      this.label = null; // force the label layer to be rebuilt from the (edited) map
      this.nv.drawScene();
    }).then(() => result);
  }

  /** Resolves when every display update asked for so far has been drawn. */
  settled(): Promise<void> {
    return this.queue;
  }

  /** Radiological (patient left on screen right) or neurological convention. */
  setRadiological(on: boolean): void {
    this.nv.setRadiologicalConvention(on);
    this.nv.drawScene();
  }

  /** Which volume of a 4-D scan is shown. */
  setFrame(frame: number): Promise<void> {
    return this.run(async () => {
      const vol = this.nv.volumes[0];
      if (vol && (vol.nFrame4D ?? 1) > frame) this.nv.setFrame4D(vol.id, frame);
    });
  }

  setLayout(layout: Layout): void {
    this.nv.setSliceType(SLICE[layout]);
  }

  setWindow(preset: WindowPreset, isCT: boolean): Promise<void> {
    return this.run(async () => {
      const vol = this.nv.volumes[0];
      if (!vol) return;
      if (preset === 'auto' || !isCT) {
        vol.cal_min = vol.robust_min;
        vol.cal_max = vol.robust_max;
      } else {
        const w = CT_WINDOWS[preset];
        vol.cal_min = w.level - w.width / 2;
        vol.cal_max = w.level + w.width / 2;
      }
      this.nv.updateGLVolume();
    });
  }
}

/** A label-coloured NiiVue image on the scan's grid (labels, patch boxes, tile grids). */
async function labelImage(
  scan: Scan,
  data: Uint8Array | LabelMap['data'],
  names: Record<number, string>,
  name: string,
  colors?: Record<number, [number, number, number]>,
): Promise<NVImage> {
  const bytes = await writeNifti({
    data,
    shape: scan.volume.shape.slice(0, 3),
    like: scan.volume,
    intentCode: INTENT_LABEL,
    compress: false,
  });
  const image = await NVImage.loadFromUrl({ url: bytes, name });
  let max = 0;
  for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
  image.setColormapLabel(niivueLabelColormap(max, names, colors));
  return image;
}
