import { useMemo, useState } from 'react';
import { compareLabelMaps } from '../../core/evaluation/label-comparison';
import { activeScan, useStore } from '../store';
import { cssColor, labelColor } from '../viewer/label-colors';

const pct = (x: number) => (Number.isNaN(x) ? '—' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} %`);

/**
 * With two label maps on the active scan — a reference and a segmentation — the Dice and the volume
 * difference per label, as nnU-Net's evaluation counts them.
 */
export function LabelComparison() {
  const scan = useStore(activeScan);
  const allMaps = useStore((s) => s.labelMaps);
  const activeId = useStore((s) => s.activeLabelMapId);
  const maps = allMaps.filter((m) => m.scanId === scan?.id);
  const [refId, setRefId] = useState<string | null>(null);
  const [cmpId, setCmpId] = useState<string | null>(null);
  // defaults: the segmentation (or the active map) is compared with a map loaded from a file
  const compared =
    maps.find((m) => m.id === cmpId) ?? maps.find((m) => m.id === activeId) ?? maps[maps.length - 1];
  const reference =
    maps.find((m) => m.id === refId && m.id !== compared?.id) ??
    maps.find((m) => m.id !== compared?.id && m.origin === 'file') ??
    maps.find((m) => m.id !== compared?.id);
  const rows = useMemo(
    () =>
      scan && reference && compared && reference.data.length === compared.data.length
        ? compareLabelMaps(reference.data, compared.data, scan.volume.spacing)
        : [],
    [scan, reference, compared],
  );
  if (!scan || maps.length < 2 || !reference || !compared) return null;
  const name = (v: number) => reference.names[v] ?? compared.names[v] ?? `label ${v}`;
  const pick = (value: string, set: (id: string) => void) => (
    <select value={value} onChange={(e) => set(e.currentTarget.value)}>
      {maps.map((m) => (
        <option key={m.id} value={m.id}>
          {m.name}
        </option>
      ))}
    </select>
  );
  return (
    <section data-testid="label-comparison">
      <h2>Against a reference</h2>
      <div className="row small">
        <label>reference {pick(reference.id, setRefId)}</label>
        <label>compared {pick(compared.id, setCmpId)}</label>
      </div>
      <table className="label-table">
        <thead>
          <tr>
            <th />
            <th>Label</th>
            <th className="num">Dice</th>
            <th className="num">ref mL</th>
            <th className="num">mL</th>
            <th className="num">Δ</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.value} data-label={name(r.value)} data-dice={r.Dice}>
              <td>
                <span
                  className="swatch"
                  style={{ background: cssColor(labelColor(r.value, compared.colors)) }}
                />
              </td>
              <td className="label-name">{name(r.value)}</td>
              <td className="num">{r.Dice.toFixed(3)}</td>
              <td className="num">{r.referenceMl.toFixed(1)}</td>
              <td className="num">{r.comparedMl.toFixed(1)}</td>
              <td className="num" title={`${r.differenceMl.toFixed(2)} mL`}>
                {pct(r.relativeDifference)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
