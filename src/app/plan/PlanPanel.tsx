import { formatFingerprintJson, formatPlansJson } from '../../core/nnunet/plans-json';
import type { ConfigurationTrace } from '../../core/planning/configuration-planner';
import { memoryInsensitivity } from '../../core/planning/memory-sensitivity';
import { PLANNER_NAMES, PLANNERS, type PlannerName } from '../../core/planning/planners';
import { FINGERPRINT_PRESETS } from '../../core/planning/presets';
import { downloadText } from '../actions/download';
import { PickFiles } from '../components/PickFiles';
import { AxisSpread, HistogramChart } from './Charts';
import { DatasetBuilder } from './DatasetBuilder';
import { NetworkDiagram } from './NetworkDiagram';
import { openDroppedDataset } from './open-dataset';
import { usePlanOverlay } from './plan-overlay';
import { presetSource, usePlan } from './plan-store';

const M = (v: number) => `${(v / 1e6).toFixed(1)} M`;

export function PlanPanel() {
  const { source, planner, gpuMemoryGB, configuration, plans, trace, error, showPatch, showGrid } = usePlan();
  const { setSource, setPlanner, setGpuMemory, setConfiguration, setOverlay } = usePlan.getState();
  const tiles = usePlanOverlay();
  const cfg = plans && configuration ? plans.configurations[configuration] : null;
  const ct: ConfigurationTrace | null =
    trace && configuration ? (trace.configurations[configuration] ?? null) : null;
  const memoryNote = ct ? memoryInsensitivity(ct) : null;
  const fp = source?.fingerprint;
  return (
    <>
      <section>
        <h2>Dataset</h2>
        <div className="row">
          <select
            data-testid="plan-preset"
            value={source?.kind === 'preset' ? source.name : ''}
            onChange={(e) => e.currentTarget.value && setSource(presetSource(e.currentTarget.value))}
          >
            <option value="">
              {source?.kind === 'dataset' ? `dropped: ${source.name}` : 'Pick an example…'}
            </option>
            {FINGERPRINT_PRESETS.map((p) => (
              <option key={p.name} value={p.name}>
                {p.title}
              </option>
            ))}
          </select>
          <PickFiles folder testId="dataset-folder-input" onPick={(f) => void openDroppedDataset(f)}>
            Open dataset folder…
          </PickFiles>
          <PickFiles testId="dataset-zip-input" accept=".zip" onPick={(f) => void openDroppedDataset(f)}>
            …or zip
          </PickFiles>
        </div>
        {source && (
          <p className="muted small" title={source.note}>
            {source.title}
            {source.kind === 'preset' && source.note
              ? ` — ${source.note.slice(0, 160)}${source.note.length > 160 ? '…' : ''}`
              : ''}
          </p>
        )}
        {source?.warnings?.map((w) => (
          <p key={w} className="warning small">
            {w}
          </p>
        ))}
      </section>
      <DatasetBuilder />
      {source && fp && (
        <section data-testid="fingerprint">
          <h2>Fingerprint · {fp.spacings.length} cases</h2>
          <h3>Spacing (mm, z y x)</h3>
          <AxisSpread values={fp.spacings} label="case spacings" unit="mm" />
          <h3>Shape after cropping (voxels)</h3>
          <AxisSpread values={fp.shapes_after_crop} label="case shapes after crop" unit="" />
          <p className="small muted">
            median relative size after cropping {fp.median_relative_size_after_cropping.toFixed(3)}
          </p>
          {Object.entries(fp.foreground_intensity_properties_per_channel).map(([ch, props]) => {
            const h = source.histograms.find((x) => x.channel === ch);
            return (
              <div key={ch}>
                <h3>
                  Foreground intensity, channel {ch} (
                  {(source.datasetJson.channel_names as Record<string, string>)?.[ch] ?? ''})
                </h3>
                {h ? (
                  <HistogramChart h={h} props={props} />
                ) : (
                  <p className="small muted">
                    no per-case samples for a preset: drop the dataset for the histogram
                  </p>
                )}
                <p className="small">
                  mean {props.mean.toFixed(2)} · std {props.std.toFixed(2)} · 0.5 % {props.percentile_00_5} ·
                  99.5 % {props.percentile_99_5}
                </p>
              </div>
            );
          })}
        </section>
      )}
      <section>
        <h2>Planner</h2>
        <label className="field">
          <select
            value={planner}
            onChange={(e) => setPlanner(e.currentTarget.value as PlannerName)}
            data-testid="planner"
          >
            {PLANNER_NAMES.map((n) => (
              <option key={n} value={n}>
                {n} ({PLANNERS[n].defaultPlansName})
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          GPU memory
          <input
            type="range"
            min={2}
            max={80}
            step={1}
            value={gpuMemoryGB}
            onChange={(e) => setGpuMemory(Number(e.currentTarget.value))}
            data-testid="gpu-memory"
            aria-label="GPU memory target in GB"
          />
          <span data-testid="gpu-memory-value">{gpuMemoryGB} GB</span>
        </label>
        {memoryNote && (
          <p className="muted small" data-testid="memory-note">
            {memoryNote}
          </p>
        )}
        {error && <p className="warning">{error}</p>}
      </section>
      {plans && (
        <section>
          <h2>Configurations</h2>
          <div className="segmented">
            {Object.keys(plans.configurations).map((n) => (
              <button
                key={n}
                type="button"
                className={n === configuration ? 'active' : ''}
                onClick={() => setConfiguration(n)}
              >
                {n}
              </button>
            ))}
          </div>
          {cfg && (
            <table className="facts" data-testid="configuration">
              <tbody>
                {cfg.spacing && (
                  <tr>
                    <th>Spacing</th>
                    <td>{(cfg.spacing as number[]).map((v) => +v.toFixed(4)).join(' × ')} mm</td>
                  </tr>
                )}
                {cfg.patch_size && (
                  <tr>
                    <th>Patch size</th>
                    <td data-testid="patch-size">{(cfg.patch_size as number[]).join(' × ')}</td>
                  </tr>
                )}
                {cfg.batch_size !== undefined && (
                  <tr>
                    <th>Batch size</th>
                    <td data-testid="batch-size">
                      {String(cfg.batch_size)}
                      {ct && (
                        <span className="muted">
                          {' '}
                          (memory allows {ct.batchSizeFromMemory}, 5 % cap {ct.batchSizeCap})
                        </span>
                      )}
                    </td>
                  </tr>
                )}
                {cfg.median_image_size_in_voxels && (
                  <tr>
                    <th>Median image</th>
                    <td>{(cfg.median_image_size_in_voxels as number[]).join(' × ')}</td>
                  </tr>
                )}
                {cfg.normalization_schemes && (
                  <tr>
                    <th>Normalization</th>
                    <td>{(cfg.normalization_schemes as string[]).join(', ')}</td>
                  </tr>
                )}
                {typeof cfg.inherits_from === 'string' && (
                  <tr>
                    <th>Inherits from</th>
                    <td>{cfg.inherits_from}</td>
                  </tr>
                )}
                {ct && (
                  <tr>
                    <th>VRAM proxy</th>
                    <td data-testid="vram">
                      {M(ct.estimate)} feature-map voxels; budget {M(ct.reference)} ({gpuMemoryGB} GB)
                      <div className="bar">
                        <div style={{ width: `${Math.min(100, (100 * ct.estimate) / ct.reference)}%` }} />
                      </div>
                    </td>
                  </tr>
                )}
                {ct && ct.steps.length > 1 && (
                  <tr>
                    <th>Patch shrinking</th>
                    <td className="small">{ct.steps.map((s) => s.patchSize.join('×')).join(' → ')}</td>
                  </tr>
                )}
              </tbody>
            </table>
          )}
          {ct && <NetworkDiagram stages={ct.stages} network={PLANNERS[planner].networkClassName} />}
          {tiles && (
            <div>
              <p className="small" data-testid="tile-count">
                Sliding window on {tiles.scanName}: {tiles.plain} tile{tiles.plain === 1 ? '' : 's'},{' '}
                {tiles.mirrored} network evaluations with mirroring
              </p>
              <label className="field checkbox">
                <input
                  type="checkbox"
                  checked={showPatch}
                  onChange={(e) => setOverlay({ showPatch: e.currentTarget.checked })}
                />
                patch box
              </label>
              <label className="field checkbox">
                <input
                  type="checkbox"
                  checked={showGrid}
                  onChange={(e) => setOverlay({ showGrid: e.currentTarget.checked })}
                />
                tile grid
              </label>
            </div>
          )}
          <div className="row">
            <button
              type="button"
              data-testid="export-plans"
              onClick={() => downloadText(`${plans.plans_name}.json`, formatPlansJson(plans))}
            >
              Export {plans.plans_name}.json
            </button>
            {source && (
              <button
                type="button"
                onClick={() =>
                  downloadText(
                    'dataset.json',
                    source.datasetJsonText ?? `${JSON.stringify(source.datasetJson, null, 4)}\n`,
                  )
                }
              >
                dataset.json
              </button>
            )}
            {fp && (
              <button
                type="button"
                onClick={() => downloadText('dataset_fingerprint.json', formatFingerprintJson(fp))}
              >
                dataset_fingerprint.json
              </button>
            )}
          </div>
        </section>
      )}
    </>
  );
}
