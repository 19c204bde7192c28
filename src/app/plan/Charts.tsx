import type { IntensityProperties } from '../../core/nnunet/plans-types';
import type { IntensityHistogram } from '../../core/planning/intensity-histogram';

const W = 340;

/** Foreground intensity histogram with nnU-Net's 0.5 / 99.5 percentiles (CT clipping bounds) and mean. */
export function HistogramChart({ h, props }: { h: IntensityHistogram; props?: IntensityProperties }) {
  const H = 110;
  const max = Math.max(1, ...h.counts);
  const x = (v: number) => ((v - h.min) / (h.max - h.min || 1)) * W;
  const bw = W / h.counts.length;
  // label placement: lower percentile to the left of its line, upper to the right, mean at the foot
  const marks: [string, number | undefined, string, 'end' | 'start', number][] = [
    ['0.5 %', props?.percentile_00_5, '#f0c060', 'end', 10],
    ['99.5 %', props?.percentile_99_5, '#f0c060', 'start', 10],
    ['mean', props?.mean, '#40bfff', 'start', H - 3],
  ];
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${W} ${H + 16}`}
      role="img"
      aria-label={`foreground intensity histogram, channel ${h.channel}`}
      data-testid="histogram"
    >
      {h.counts.map((c, i) => (
        <rect
          key={i}
          x={i * bw}
          y={H - (c / max) * H}
          width={Math.max(1, bw - 0.5)}
          height={(c / max) * H}
          fill="#5b6f86"
        />
      ))}
      {marks.map(([label, v, color]) =>
        v === undefined ? null : (
          <g key={label}>
            <line
              x1={x(v)}
              x2={x(v)}
              y1={0}
              y2={H}
              stroke={color}
              strokeDasharray={label === 'mean' ? '3 2' : undefined}
            />
            <text x={Math.min(W - 30, Math.max(0, x(v) + 2))} y={10} fill={color} fontSize={9}>
              {label} {v.toFixed(0)}
            </text>
          </g>
        ),
      )}
      <text x={0} y={H + 12} fill="#8b9aab" fontSize={9}>
        {h.min.toFixed(0)}
      </text>
      <text x={W} y={H + 12} fill="#8b9aab" fontSize={9} textAnchor="end">
        {h.max.toFixed(0)}
      </text>
    </svg>
  );
}

/** Per-axis spread of case spacings or shapes: one row per axis, a dot per case, the median marked. */
export function AxisSpread({ values, label, unit }: { values: number[][]; label: string; unit: string }) {
  const axes = ['z', 'y', 'x'];
  const rowH = 18;
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${rowH * 3 + 4}`} role="img" aria-label={label}>
      {axes.map((a, d) => {
        const col = values.map((v) => v[d]).sort((p, q) => p - q);
        const lo = col[0];
        const hi = col[col.length - 1];
        const med = col[Math.floor((col.length - 1) / 2)];
        const x = (v: number) => 18 + ((v - lo) / (hi - lo || 1)) * (W - 175);
        return (
          <g key={a} transform={`translate(0 ${d * rowH + 2})`}>
            <text x={0} y={12} fill="#8b9aab" fontSize={10}>
              {a}
            </text>
            <line x1={18} x2={W - 157} y1={8} y2={8} stroke="#263140" />
            {col.map((v, i) => (
              <circle key={i} cx={x(v)} cy={8} r={2.5} fill="#5b6f86" />
            ))}
            <line x1={x(med)} x2={x(med)} y1={1} y2={15} stroke="#40bfff" strokeWidth={2} />
            <text x={W} y={12} fill="#dbe4ee" fontSize={10} textAnchor="end">
              {fmt(lo)}–{fmt(hi)} {unit} (med {fmt(med)})
            </text>
          </g>
        );
      })}
    </svg>
  );
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
