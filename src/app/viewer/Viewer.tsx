import { useEffect, useRef } from 'react';
import { activeLabelMap, activeScan, type Layout, useStore, type WindowPreset } from '../store';
import { type Overlay, ViewerController } from './niivue-controller';
import { setViewer } from './viewer-instance';
import { useViewerSettings } from './viewer-settings';

const LAYOUT_KEYS: Record<string, Layout> = {
  '1': 'axial',
  '2': 'coronal',
  '3': 'sagittal',
  '4': 'multiplanar',
  '5': 'render',
};

/** The NiiVue canvas, driven from the store. Modes add overlays through `useStore.getState().overlay`. */
export function Viewer({ overlay }: { overlay: Overlay | null }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const controller = useRef<ViewerController | null>(null);
  const scan = useStore(activeScan);
  const activeLabels = useStore(activeLabelMap);
  const editing = useStore((s) => s.editing);
  // while editing, the label map is NiiVue's drawing layer instead
  const labels = editing ? null : activeLabels;
  const layout = useStore((s) => s.layout);
  const windowPreset = useStore((s) => s.windowPreset);
  const opacity = useStore((s) => s.labelOpacity);
  const outline = useStore((s) => s.labelOutline);
  const radiological = useViewerSettings((s) => s.radiological);
  const frame = useViewerSettings((s) => s.frame);
  const readyRef = useRef<Promise<ViewerController> | null>(null);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || readyRef.current) return;
    readyRef.current = ViewerController.attach(canvas, (loc) => {
      const value = loc.values?.[0]?.value;
      const labelValue = loc.values?.[1]?.value;
      const state = useStore.getState();
      const map = activeLabelMap(state);
      const label =
        map && labelValue !== undefined && labelValue > 0
          ? (map.names[labelValue] ?? `label ${labelValue}`)
          : null;
      state.setCursor({
        mm: [loc.mm[0], loc.mm[1], loc.mm[2]],
        vox: [loc.vox[0], loc.vox[1], loc.vox[2]],
        value: value ?? null,
        label,
      });
    }).then((c) => {
      controller.current = c;
      setViewer(c);
      return c;
    });
  }, []);

  useEffect(() => {
    void readyRef.current?.then((c) => c.show(scan, labels, overlay, opacity, labels?.colors, outline));
  }, [scan, labels, overlay, opacity, outline]);

  // Another scan: the readout under the cursor belonged to the old one, and its frame too.
  const scanId = scan?.id ?? null;
  const shownScan = useRef<string | null>(null);
  useEffect(() => {
    if (shownScan.current === scanId) return;
    shownScan.current = scanId;
    useStore.getState().setCursor(null);
    useViewerSettings.getState().setFrame(0);
  }, [scanId]);

  useEffect(() => {
    void readyRef.current?.then((c) => c.setRadiological(radiological));
  }, [radiological]);

  useEffect(() => {
    // a new scan's volume starts at frame 0 in NiiVue; re-apply the chosen one
    void readyRef.current?.then((c) => c.setFrame(scanId ? frame : 0));
  }, [frame, scanId]);

  useEffect(() => {
    void readyRef.current?.then((c) => c.setLayout(layout));
  }, [layout]);

  useEffect(() => {
    void readyRef.current?.then((c) => c.setWindow(windowPreset as WindowPreset, scan?.isCT ?? false));
  }, [windowPreset, scan]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (
        e.target instanceof HTMLInputElement ||
        e.target instanceof HTMLSelectElement ||
        e.target instanceof HTMLTextAreaElement
      )
        return;
      const l = LAYOUT_KEYS[e.key];
      if (l && !e.ctrlKey && !e.metaKey && !e.altKey) useStore.getState().setLayout(l);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="viewer">
      <canvas ref={canvasRef} data-testid="viewer-canvas" tabIndex={0} />
      {!scan && (
        <div className="viewer-empty">
          <p>Drop a CT or MR here, or try the demo CT.</p>
          <p className="muted">NIfTI (.nii, .nii.gz), NRRD and .npy. Nothing is uploaded.</p>
        </div>
      )}
    </div>
  );
}
