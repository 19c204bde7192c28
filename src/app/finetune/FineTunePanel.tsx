import type { NnunetModelInfo } from '../../core/model/bundle/nnunet-model';
import { duration } from '../format/duration';
import { useModels } from '../models/models-store';
import { useStore } from '../store';
import {
  adoptFineTunedModel,
  cancelFineTune,
  downloadFineTunedModel,
  pauseFineTune,
  prepareFineTune,
  startFineTune,
} from './finetune-actions';
import { useFineTune } from './finetune-store';
import { startBlocker, trainingCandidates, validationNote } from './training-data';

const GB = (b: number) => `${(b / 2 ** 30).toFixed(2)} GB`;

/** Loss per iteration (and its running mean) and validation pseudo-Dice per epoch, as nnU-Net's progress.png. */
function TrainingChart() {
  const iterations = useFineTune((s) => s.iterations);
  const epochs = useFineTune((s) => s.epochs);
  const W = 340;
  const H = 120;
  if (iterations.length === 0) return null;
  const losses = iterations.map((i) => i.loss);
  const lo = Math.min(...losses, 0);
  const hi = Math.max(...losses, 1e-6);
  const total = iterations[0].totalSteps;
  const x = (step: number) => (step / Math.max(1, total)) * W;
  const y = (v: number) => H - ((v - lo) / (hi - lo || 1)) * (H - 10) - 5;
  const path = iterations
    .map((i, k) => `${k ? 'L' : 'M'}${x(i.step).toFixed(1)},${y(i.loss).toFixed(1)}`)
    .join(' ');
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${W} ${H + 14}`}
      role="img"
      aria-label="training loss and validation Dice"
      data-testid="training-chart"
    >
      <path d={path} fill="none" stroke="#40bfff" strokeWidth={1.5} />
      {epochs.map((e) => {
        // at the last iteration of that epoch
        const last = iterations.filter((i) => i.epoch === e.epoch).at(-1) ?? iterations.at(-1)!;
        const cx = x(last.step);
        const cy = H - e.meanFgDice * (H - 10) - 5;
        return Number.isFinite(cy) ? <circle key={e.epoch} cx={cx} cy={cy} r={3.5} fill="#3ccf8e" /> : null;
      })}
      <text x={2} y={H + 12} fill="#40bfff" fontSize={10}>
        loss {losses.at(-1)?.toFixed(3)}
      </text>
      {epochs.length > 0 && (
        <text x={W} y={H + 12} fill="#3ccf8e" fontSize={10} textAnchor="end">
          val Dice {epochs.at(-1)!.meanFgDice.toFixed(3)} (EMA {epochs.at(-1)!.emaFgDice.toFixed(3)})
        </text>
      )}
    </svg>
  );
}

export function FineTunePanel() {
  const { models, activeModelId } = useModels();
  const model = models.find((m) => m.id === activeModelId) ?? null;
  const info = model?.details && 'configuration' in model.details ? (model.details as NnunetModelInfo) : null;
  const scans = useStore((s) => s.scans);
  const labelMaps = useStore((s) => s.labelMaps);
  const { settings, selected, status, summary, message, epochs, estimate, setSettings, toggleLabelMap } =
    useFineTune();
  const busy = status === 'preparing' || status === 'running' || status === 'paused';
  const candidates = trainingCandidates(scans, labelMaps, model?.summary ?? null);
  const chosen = candidates.filter((c) => selected.includes(c.map.id));
  const blocker = startBlocker({ hasNnunetModel: !!info, chosen });
  const valNote = validationNote(chosen.length);
  const uncorrected = chosen.filter((c) => c.uncorrectedModelOutput);
  return (
    <>
      <section>
        <h2>Fine-tune</h2>
        {!info && <p className="muted">Choose an nnU-Net model (a results folder) in the model list.</p>}
        {info && (
          <p>
            <strong>{model?.name}</strong>{' '}
            <span className="muted">
              — {info.configuration}, patch {info.patch_size.join('×')},{' '}
              {(info.parameter_count / 1e6).toFixed(2)} M parameters
            </span>
          </p>
        )}
      </section>
      <section>
        <h2>Training data</h2>
        {candidates.length === 0 && (
          <p className="muted">Load a scan with a label map (or segment one and correct it).</p>
        )}
        {candidates.length > 0 && (
          <p className="muted small">
            Tick the label maps to train on (one per scan): nothing is chosen for you.
          </p>
        )}
        <ul className="item-list" data-testid="finetune-cases">
          {candidates.map(({ scan, map, mapping, uncorrectedModelOutput }) => (
            <li key={map.id}>
              <label className="field checkbox item">
                <input
                  type="checkbox"
                  checked={selected.includes(map.id)}
                  onChange={() =>
                    toggleLabelMap(
                      map.id,
                      candidates.filter((c) => c.scan.id === scan.id).map((c) => c.map.id),
                    )
                  }
                  disabled={busy}
                />
                <span>
                  <span className="item-name">{scan.name}</span>
                  <span className="item-meta">
                    {map.name} ({uncorrectedModelOutput ? 'model output, uncorrected' : map.origin})
                    {mapping &&
                      (mapping.matched.length
                        ? ` · ${mapping.byName ? 'by name' : 'by value'}: ${mapping.matched.map((m) => m.name).join(', ')}${mapping.dropped.length ? ` (${mapping.dropped.length} other labels → background)` : ''}`
                        : ' · no label matches the model')}
                  </span>
                </span>
              </label>
            </li>
          ))}
        </ul>
        {uncorrected.length > 0 && (
          <p className="scan-warning" data-testid="ft-uncorrected-warning">
            {uncorrected.map((c) => c.map.name).join(', ')} {uncorrected.length > 1 ? 'are' : 'is'} a model's
            own output, not corrected: training on it teaches the model its own mistakes. Correct it first
            (View → Edit labels) or use a reference segmentation.
          </p>
        )}
        {valNote && (
          <p className="muted small" data-testid="ft-validation-note">
            {valNote}
          </p>
        )}
      </section>
      <section>
        <h2>Settings</h2>
        <div className="form-grid">
          <label>
            Epochs
            <input
              type="number"
              min={1}
              max={1000}
              value={settings.epochs}
              onChange={(e) => setSettings({ epochs: Number(e.currentTarget.value) })}
              disabled={busy}
              data-testid="ft-epochs"
            />
          </label>
          <label>
            Iterations / epoch
            <input
              type="number"
              min={1}
              max={1000}
              value={settings.iterationsPerEpoch}
              onChange={(e) => setSettings({ iterationsPerEpoch: Number(e.currentTarget.value) })}
              disabled={busy}
              data-testid="ft-iterations"
            />
          </label>
          <label>
            Learning rate
            <input
              type="number"
              min={0}
              step={0.0005}
              value={settings.learningRate}
              onChange={(e) => setSettings({ learningRate: Number(e.currentTarget.value) })}
              disabled={busy}
            />
          </label>
          <label>
            Batch
            <input
              type="number"
              min={1}
              max={16}
              value={settings.batchSize}
              onChange={(e) => setSettings({ batchSize: Number(e.currentTarget.value) })}
              disabled={busy}
            />
          </label>
          <label>
            Patch (z,y,x)
            <input
              type="text"
              placeholder={info?.patch_size.join(',') ?? ''}
              value={settings.patchSize?.join(',') ?? ''}
              onChange={(e) => {
                const v = e.currentTarget.value.trim();
                setSettings({ patchSize: v ? v.split(/[,\s×x]+/).map(Number) : null });
              }}
              disabled={busy}
              data-testid="ft-patch"
            />
          </label>
          <label>
            Compute
            <select
              value={settings.backend}
              onChange={(e) => setSettings({ backend: e.currentTarget.value as 'auto' | 'webgpu' | 'cpu' })}
              disabled={busy}
              data-testid="ft-backend"
            >
              <option value="auto">auto (WebGPU, else CPU)</option>
              <option value="webgpu">WebGPU</option>
              <option value="cpu">CPU</option>
            </select>
          </label>
        </div>
        <label className="field checkbox">
          <input
            type="checkbox"
            checked={settings.freezeEncoder}
            onChange={(e) => setSettings({ freezeEncoder: e.currentTarget.checked })}
            disabled={busy}
          />
          freeze the encoder (train the decoder only: faster, less memory)
        </label>
        <div className="row">
          {status !== 'ready' && (
            <button
              type="button"
              className="primary"
              disabled={busy || !!blocker}
              onClick={() => void prepareFineTune()}
              data-testid="ft-prepare"
              title="Preprocess the cases, load the model and time one iteration"
            >
              {status === 'preparing' ? 'Preparing…' : 'Prepare (times one iteration)'}
            </button>
          )}
          {status === 'ready' && (
            <button
              type="button"
              className="primary"
              onClick={() => void startFineTune()}
              data-testid="ft-start"
            >
              Start
            </button>
          )}
          {(status === 'running' || status === 'paused') && (
            <button type="button" onClick={() => pauseFineTune(status === 'running')}>
              {status === 'running' ? 'Pause' : 'Resume'}
            </button>
          )}
          {busy && (
            <button type="button" onClick={cancelFineTune}>
              Cancel
            </button>
          )}
        </div>
        {blocker && !busy && (
          <p className="muted small" data-testid="ft-blocked-reason">
            {blocker}
          </p>
        )}
        {!blocker && status === 'idle' && (
          <p className="muted small">
            Prepare times the first iteration, then the estimated time is shown here before you Start.
          </p>
        )}
        {estimate && (
          <p className="small" data-testid="ft-estimate">
            Estimated time: about {duration(estimate.totalMs)} for the remaining {estimate.steps - 1}{' '}
            iteration
            {estimate.steps - 1 === 1 ? '' : 's'} (the first took {duration(estimate.iterationMs)}, warm-up
            included, so likely less) plus validation.
          </p>
        )}
      </section>
      {(summary || message) && (
        <section data-testid="ft-status">
          <h2>Run</h2>
          {summary && (
            <p className="small">
              {status} on {summary.backend} · {summary.train.length} training / {summary.val.length}{' '}
              validation case(s) · patch {summary.patchSize.join('×')}, batch {summary.batchSize} · memory ≈{' '}
              {GB(summary.memory.peakBytes)}
              {summary.val.every((v) => summary.train.includes(v)) &&
                ' · validation cases are training cases'}
            </p>
          )}
          {message && <p className="muted small">{message}</p>}
          <TrainingChart />
          {epochs.length > 0 && (
            <p className="small" data-testid="ft-dice">
              validation pseudo-Dice per class:{' '}
              {epochs
                .at(-1)!
                .dicePerClass.map((d) => (Number.isNaN(d) ? '–' : d.toFixed(3)))
                .join(', ')}
            </p>
          )}
          {(status === 'done' || status === 'cancelled') && summary && (
            <div className="row">
              <button
                type="button"
                className="primary"
                onClick={() => void adoptFineTunedModel()}
                data-testid="ft-use"
              >
                Use the fine-tuned model
              </button>
              <button type="button" onClick={() => void downloadFineTunedModel()} data-testid="ft-download">
                Download results folder (.zip)
              </button>
            </div>
          )}
        </section>
      )}
    </>
  );
}
