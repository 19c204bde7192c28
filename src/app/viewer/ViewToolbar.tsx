import { activeScan, type Layout, useStore, type WindowPreset } from '../store';
import { EditBar } from './EditBar';
import { useViewerSettings } from './viewer-settings';

const LAYOUTS: { id: Layout; label: string; key: string }[] = [
  { id: 'axial', label: 'Axial', key: '1' },
  { id: 'coronal', label: 'Coronal', key: '2' },
  { id: 'sagittal', label: 'Sagittal', key: '3' },
  { id: 'multiplanar', label: 'MPR', key: '4' },
  { id: 'render', label: '3-D', key: '5' },
];

const PRESETS: { id: WindowPreset; label: string }[] = [
  { id: 'soft-tissue', label: 'Soft tissue' },
  { id: 'bone', label: 'Bone' },
  { id: 'lung', label: 'Lung' },
  { id: 'brain', label: 'Brain' },
  { id: 'auto', label: 'Auto' },
];

export function ViewToolbar() {
  const layout = useStore((s) => s.layout);
  const preset = useStore((s) => s.windowPreset);
  const opacity = useStore((s) => s.labelOpacity);
  const outline = useStore((s) => s.labelOutline);
  const scan = useStore(activeScan);
  const cursor = useStore((s) => s.cursor);
  const { setLayout, setWindowPreset, setLabelOpacity, setLabelOutline } = useStore.getState();
  const { radiological, frame, setRadiological, setFrame } = useViewerSettings();
  const frames = scan?.info.frames ?? 1;
  return (
    <div className="view-toolbar">
      <fieldset className="segmented" aria-label="Layout">
        {LAYOUTS.map((l) => (
          <button
            key={l.id}
            type="button"
            className={layout === l.id ? 'active' : ''}
            title={`${l.label} (key ${l.key})`}
            onClick={() => setLayout(l.id)}
          >
            {l.label}
          </button>
        ))}
      </fieldset>
      <label className="field">
        Window
        <select
          data-testid="window-preset"
          value={scan?.isCT ? preset : 'auto'}
          onChange={(e) => setWindowPreset(e.currentTarget.value as WindowPreset)}
          disabled={!scan?.isCT}
          title={scan?.isCT ? 'CT window presets (HU)' : 'Automatic windowing (2–98 % robust range)'}
        >
          {PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        Labels
        <input
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={opacity}
          data-testid="label-opacity"
          aria-label="Label opacity"
          onChange={(e) => setLabelOpacity(Number(e.currentTarget.value))}
        />
      </label>
      <label className="field checkbox">
        <input
          type="checkbox"
          checked={outline}
          onChange={(e) => setLabelOutline(e.currentTarget.checked)}
          data-testid="label-outline"
        />
        Outline
      </label>
      <label
        className="field checkbox"
        title="Radiological: patient left on screen right (as radiology workstations). Off: neurological (left on left)."
      >
        <input
          type="checkbox"
          checked={radiological}
          onChange={(e) => setRadiological(e.currentTarget.checked)}
          data-testid="radiological"
        />
        Radiological
      </label>
      {frames > 1 && (
        <label className="field" title="Volume of the 4-D series shown">
          Frame
          <input
            type="range"
            min={0}
            max={frames - 1}
            step={1}
            value={Math.min(frame, frames - 1)}
            onChange={(e) => setFrame(Number(e.currentTarget.value))}
            data-testid="frame"
            aria-label="4-D frame"
          />
          <span data-testid="frame-readout">
            {Math.min(frame, frames - 1) + 1}/{frames}
          </span>
        </label>
      )}
      <EditBar />
      <div className="cursor-readout" data-testid="cursor-readout">
        {cursor && (
          <>
            <span>{cursor.mm.map((v) => v.toFixed(1)).join(', ')} mm</span>
            <span>voxel {cursor.vox.join(', ')}</span>
            {cursor.value !== null && (
              <span>
                value {Number.isInteger(cursor.value) ? cursor.value : cursor.value.toFixed(2)}
                {scan?.isCT ? ' HU' : ''}
              </span>
            )}
            {cursor.label && <span className="cursor-label">{cursor.label}</span>}
          </>
        )}
      </div>
    </div>
  );
}
