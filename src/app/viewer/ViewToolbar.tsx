import { activeScan, type Layout, useStore, type WindowPreset } from '../store';
import { EditBar } from './EditBar';

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
        <input type="checkbox" checked={outline} onChange={(e) => setLabelOutline(e.currentTarget.checked)} />
        Outline
      </label>
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
