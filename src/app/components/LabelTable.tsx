import { useMemo } from 'react';
import { labelStatistics } from '../../core/inference/label-statistics';
import { activeLabelMap, activeScan, useStore } from '../store';
import { cssColor, labelColor } from '../viewer/label-colors';

/** Names, colours, voxel counts, mL and mean intensity of the labels in the active label map. */
export function LabelTable() {
  const scan = useStore(activeScan);
  const map = useStore(activeLabelMap);
  const stats = useMemo(
    () => (scan && map ? labelStatistics(map.data, scan.volume.data, scan.volume.spacing) : []),
    [scan, map],
  );
  if (!scan || !map) return <p className="muted">No label map shown.</p>;
  if (stats.length === 0)
    return (
      <p className="empty-result" data-testid="no-structure">
        {map.origin === 'segmentation'
          ? 'No structure found: the model labelled every voxel background.'
          : 'No structure found: this label map is all background.'}
      </p>
    );
  return (
    <>
      {map.demonstration && (
        <p className="demo-note" data-testid="demo-note">
          Demonstration model — volumes are not measurements. A tiny network shipped to show the workflow, not
          trained to clinical accuracy.
        </p>
      )}
      <table className="label-table" data-testid="label-table">
        <thead>
          <tr>
            <th />
            <th>Label</th>
            <th className="num">Voxels</th>
            <th className="num">mL</th>
            <th className="num">Mean{scan.isCT ? ' HU' : ''}</th>
          </tr>
        </thead>
        <tbody>
          {stats.map((s) => (
            <tr
              key={s.value}
              data-label={map.names[s.value] ?? `label ${s.value}`}
              data-voxels={s.voxels}
              data-ml={s.volumeMl.toFixed(3)}
            >
              <td>
                <span className="swatch" style={{ background: cssColor(labelColor(s.value, map.colors)) }} />
              </td>
              <td className="label-name">
                {map.names[s.value] ?? `label ${s.value}`} <span className="muted">({s.value})</span>
              </td>
              <td className="num">{s.voxels.toLocaleString()}</td>
              <td className="num">{s.volumeMl.toFixed(1)}</td>
              <td className="num">{s.meanIntensity.toFixed(1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
