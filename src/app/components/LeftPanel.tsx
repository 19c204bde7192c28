import { loadDemoCT, loadFiles } from '../actions/load-volumes';
import { routeDrop } from '../actions/route-drop';
import { ModelPicker } from '../modes/SegmentPanel';
import { useStore } from '../store';
import { PickFiles } from './PickFiles';

export function LeftPanel() {
  const scans = useStore((s) => s.scans);
  const activeScanId = useStore((s) => s.activeScanId);
  const labelMaps = useStore((s) => s.labelMaps);
  const activeLabelMapId = useStore((s) => s.activeLabelMapId);
  const { setActiveScan, removeScan, setActiveLabelMap, removeLabelMap } = useStore.getState();
  const maps = labelMaps.filter((m) => m.scanId === activeScanId);
  return (
    <aside className="left-panel">
      <section>
        <h2>Scans</h2>
        <div className="dropzone" data-testid="dropzone">
          <p>Drop NIfTI / NRRD / DICOM files, folders or zips anywhere</p>
          <div className="row">
            <PickFiles
              testId="file-input"
              multiple
              accept=".nii,.gz,.nrrd,.npy,.json,.zip,.dcm"
              onPick={(f) => void routeDrop(f)}
            >
              Open files…
            </PickFiles>
            <PickFiles testId="dicom-folder-input" folder onPick={(f) => void routeDrop(f)}>
              Open DICOM folder…
            </PickFiles>
            <button type="button" className="primary" data-testid="demo-ct" onClick={() => void loadDemoCT()}>
              Try the demo CT
            </button>
          </div>
        </div>
        <ul className="item-list" data-testid="scan-list">
          {scans.map((s) => (
            <li key={s.id} className={s.id === activeScanId ? 'active' : ''}>
              <button type="button" className="item" onClick={() => setActiveScan(s.id)}>
                <span className="item-name">{s.name}</span>
                <span className="item-meta">
                  {s.info.shape.join('×')} · {s.info.datatype}
                </span>
              </button>
              <button
                type="button"
                className="remove"
                aria-label={`Close ${s.name}`}
                onClick={() => removeScan(s.id)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section>
        <h2>Label maps</h2>
        {activeScanId === null ? (
          <p className="muted">Load a scan first.</p>
        ) : (
          <>
            <ul className="item-list" data-testid="label-list">
              {maps.map((m) => (
                <li key={m.id} className={m.id === activeLabelMapId ? 'active' : ''}>
                  <button
                    type="button"
                    className="item"
                    onClick={() => setActiveLabelMap(m.id === activeLabelMapId ? null : m.id)}
                  >
                    <span className="item-name">{m.name}</span>
                    <span className="item-meta">{m.origin}</span>
                  </button>
                  <button
                    type="button"
                    className="remove"
                    aria-label={`Close ${m.name}`}
                    onClick={() => removeLabelMap(m.id)}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
            <PickFiles
              testId="label-input"
              multiple
              accept=".nii,.gz,.nrrd,.npy,.json"
              onPick={(files) =>
                void loadFiles(
                  files.map((f) => ({ name: f.file.name, file: f.file })),
                  { asLabels: true },
                )
              }
            >
              Load label map…
            </PickFiles>
          </>
        )}
      </section>
      <ModelPicker />
    </aside>
  );
}
