import { activeScan, useStore } from '../store';

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(Math.abs(x) < 10 ? 4 : 2));

/** The loaded scan's header facts (View mode). */
export function HeaderPanel() {
  const scan = useStore(activeScan);
  if (!scan) return <p className="muted">No scan loaded.</p>;
  const i = scan.info;
  const rows: [string, string][] = [
    ['File', i.name],
    ['Format', `${i.format}${scan.volume.source.compressed ? ' (gzip)' : ''}`],
    ['Shape (i, j, k[, t])', i.shape.join(' × ')],
    ['Spacing (mm)', i.spacing.map(fmt).join(' × ')],
    ['Orientation', i.axis_codes],
    [
      'Data type',
      i.datatype === i.datatype_on_disk ? i.datatype : `${i.datatype} (on disk ${i.datatype_on_disk})`,
    ],
    ['Value range', `${fmt(i.min)} … ${fmt(i.max)}${scan.isCT ? ' HU' : ''}`],
    ['Mean', fmt(i.mean)],
    ['Byte order', i.endianness],
  ];
  if (i.qform_code !== undefined) rows.push(['qform / sform code', `${i.qform_code} / ${i.sform_code}`]);
  if (i.scl_slope !== undefined && !(i.scl_slope === 1 && i.scl_inter === 0) && i.scl_slope !== 0)
    rows.push(['Scaling', `× ${fmt(i.scl_slope)} + ${fmt(i.scl_inter ?? 0)}`]);
  return (
    <div className="header-panel" data-testid="header-panel">
      <table className="facts">
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <th>{k}</th>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Affine (voxel → RAS mm)</h3>
      <table className="affine">
        <tbody>
          {i.affine.slice(0, 3).map((row, r) => (
            <tr key={r}>
              {row.map((x, c) => (
                <td key={c}>{x.toFixed(3)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
