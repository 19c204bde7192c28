import type { StageInfo } from '../../core/planning/configuration-planner';

/**
 * The U-Net nnU-Net would build: encoder stages down the left (kernel, stride, features, feature-map size,
 * convs or residual blocks), decoder stages up the right, skip connections across.
 */
export function NetworkDiagram({ stages, network }: { stages: StageInfo[]; network: string }) {
  const rowH = 34;
  const W = 340;
  const H = stages.length * rowH + 24;
  const maxF = Math.max(...stages.map((s) => s.features));
  const width = (f: number) => 60 + 70 * (Math.log2(f) / Math.log2(maxF));
  const last = stages.length - 1;
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`${network} with ${stages.length} stages`}
      data-testid="network-diagram"
    >
      {stages.map((s, i) => {
        const y = i * rowH + 4;
        const w = width(s.features);
        const encX = i === last ? (W - w) / 2 : 10 + i * 6;
        const text = `${s.features} ch · k${s.kernel.join('×')}${s.stride.some((v) => v > 1) ? ` · /${s.stride.join(',')}` : ''}`;
        return (
          <g key={s.stage}>
            <rect x={encX} y={y} width={w} height={rowH - 8} rx={4} fill="#17283a" stroke="#1f8fcf" />
            <text x={encX + 4} y={y + 11} fontSize={9} fill="#dbe4ee">
              {i === last ? 'bottleneck' : `stage ${i}`} · {s.blocks}×{' '}
              {network.includes('Residual') ? 'res' : 'conv'}
            </text>
            <text x={encX + 4} y={y + 22} fontSize={8.5} fill="#8b9aab">
              {text} · {s.featureMapSize.join('×')}
            </text>
            {i < last && (
              <>
                <line
                  x1={encX + w}
                  x2={W - 10 - i * 6 - w}
                  y1={y + 13}
                  y2={y + 13}
                  stroke="#3ccf8e"
                  strokeDasharray="4 3"
                />
                <rect
                  x={W - 10 - i * 6 - w}
                  y={y}
                  width={w}
                  height={rowH - 8}
                  rx={4}
                  fill="#1b2a22"
                  stroke="#3ccf8e"
                />
                <text x={W - 6 - i * 6 - w} y={y + 11} fontSize={9} fill="#dbe4ee">
                  decoder {i} · {s.decoderConvs ?? 0}× conv
                </text>
                <text x={W - 6 - i * 6 - w} y={y + 22} fontSize={8.5} fill="#8b9aab">
                  {s.features} ch · {s.featureMapSize.join('×')}
                </text>
              </>
            )}
          </g>
        );
      })}
    </svg>
  );
}
