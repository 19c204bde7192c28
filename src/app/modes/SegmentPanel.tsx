import { useMemo } from 'react';
import { estimateEvaluations } from '../../core/inference/estimate';
import { estimatePredictionMemory } from '../../core/inference/estimate-memory';
import { defaultFolds } from '../../core/inference/model-networks';
import { zyxShape, zyxSpacing } from '../../core/io/volume/volume';
import type { NnunetModelInfo } from '../../core/model/bundle/nnunet-model';
import { loadDemoScan } from '../actions/load-volumes';
import { saveLabelMap, segmentActiveScan } from '../actions/segment';
import { LabelTable } from '../components/LabelTable';
import { PickFiles } from '../components/PickFiles';
import { importDroppedModel } from '../models/import-dropped-model';
import { type BackendChoice, removeModel, useModels } from '../models/models-store';
import { activeLabelMap, activeScan, useStore } from '../store';

const mb = (n: number) =>
  n < 2 ** 20 ? `${Math.max(1, Math.round(n / 1024))} KB` : `${(n / 2 ** 20).toFixed(1)} MB`;

export function ModelPicker() {
  const { models, activeModelId, setActiveModel } = useModels();
  return (
    <section>
      <h2>Models</h2>
      <ul className="item-list" data-testid="model-list">
        {models.map((m) => (
          <li key={m.id} className={m.id === activeModelId ? 'active' : ''}>
            <button
              type="button"
              className="item"
              onClick={() => setActiveModel(m.id)}
              title={m.error ?? m.name}
            >
              <span className="item-name">{m.name}</span>
              <span className="item-meta">
                {m.error
                  ? `error: ${m.error}`
                  : m.summary
                    ? `${m.summary.configuration}${m.summary.folds.length ? ` · folds ${m.summary.folds.join(', ')}` : ''} · ${m.summary.labels.filter((l) => l.value !== 0).length} labels · ${mb(m.summary.sizeBytes)}${m.origin !== 'builtin' ? ` · ${m.origin}${m.persisted ? '' : ' (this session only)'}` : ''}`
                    : 'reading…'}
              </span>
            </button>
            {m.origin !== 'builtin' && (
              <button
                type="button"
                className="remove"
                aria-label={`Remove ${m.name}`}
                onClick={() => void removeModel(m.id)}
              >
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
      <div className="row">
        <PickFiles
          folder
          testId="model-folder-input"
          onPick={(f) => void importDroppedModel(f)}
          title="an nnU-Net results folder: plans.json, dataset.json, fold_X/checkpoint_final.pth"
        >
          Import results folder…
        </PickFiles>
        <PickFiles
          multiple
          testId="model-file-input"
          accept=".zip,.onnx,.json"
          onPick={(f) => void importDroppedModel(f)}
          title="a zipped results folder, or an .onnx with its model-card.json"
        >
          Import zip / ONNX…
        </PickFiles>
      </div>
    </section>
  );
}

/** The Segment mode: model, speed/quality, run, results (right panel). */
export function SegmentPanel() {
  const scan = useStore(activeScan);
  const labels = useStore(activeLabelMap);
  const jobs = useStore((s) => s.jobs);
  const last = useStore((s) => s.lastSegmentation);
  const {
    models,
    activeModelId,
    tta,
    tileStepSize,
    backend,
    folds,
    setTta,
    setTileStepSize,
    setBackend,
    setFolds,
  } = useModels();
  const model = models.find((m) => m.id === activeModelId) ?? null;
  const nnunet =
    model?.details && 'configuration' in model.details ? (model.details as NnunetModelInfo) : null;
  const running = jobs.some((j) => j.id.startsWith('segment'));
  const usedFolds = folds.length ? folds : defaultFolds(model?.summary?.folds ?? []);
  const estimate = useMemo(() => {
    if (!scan || !nnunet?.spacing) return null;
    try {
      return estimateEvaluations(
        zyxShape(scan.volume),
        zyxSpacing(scan.volume),
        {
          spacing: nnunet.spacing,
          patch_size: nnunet.patch_size,
          transpose_forward: nnunet.transpose_forward,
        },
        {
          tileStepSize,
          mirrorAxes: tta ? (nnunet.mirroring_axes?.length ?? 0) : 0,
          folds: Math.max(1, usedFolds.length),
        },
      );
    } catch {
      return null;
    }
  }, [scan, nnunet, tileStepSize, tta, usedFolds.length]);
  const memory = useMemo(() => {
    if (!scan || !nnunet?.spacing) return null;
    try {
      return estimatePredictionMemory({
        shape: zyxShape(scan.volume),
        spacing: zyxSpacing(scan.volume),
        bytesPerVoxel: scan.volume.data.BYTES_PER_ELEMENT,
        channels: nnunet.input_channels,
        config: {
          spacing: nnunet.spacing,
          patch_size: nnunet.patch_size,
          transpose_forward: nnunet.transpose_forward,
        },
        classes: nnunet.num_outputs,
        parameters: nnunet.parameter_count,
        featuresPerStage: nnunet.features_per_stage,
        folds: Math.max(1, usedFolds.length),
        tta: tta && (nnunet.mirroring_axes?.length ?? 0) > 0,
        tileStepSize,
      });
    } catch {
      return null;
    }
  }, [scan, nnunet, tileStepSize, tta, usedFolds.length]);
  return (
    <>
      <section>
        <h2>Segment</h2>
        {!model && <p className="muted">Choose or import a model (left panel).</p>}
        {model && (
          <p>
            <strong>{model.name}</strong>
            {model.summary && (
              <span className="muted">
                {' '}
                — {model.summary.kind === 'nnunet' ? `nnU-Net ${model.summary.configuration}` : 'ONNX'},{' '}
                {model.summary.inputChannels} input channel
                {model.summary.inputChannels > 1 ? 's' : ''}
              </span>
            )}
          </p>
        )}
        {model?.demoScan && !scan?.name.includes(model.demoScan.split('/').pop()!) && (
          <button
            type="button"
            onClick={() => void loadDemoScan(model.demoScan!)}
            data-testid="load-model-demo"
          >
            Load its demo scan
          </button>
        )}
      </section>
      <section>
        <h2>Speed and quality</h2>
        <label className="field checkbox">
          <input
            type="checkbox"
            checked={tta}
            onChange={(e) => setTta(e.currentTarget.checked)}
            data-testid="tta"
          />
          Test-time mirroring ({nnunet ? `${2 ** (nnunet.mirroring_axes?.length ?? 0)}×` : 'nnU-Net models'}{' '}
          slower, slightly better)
        </label>
        <label className="field">
          Tile step
          <select
            value={tileStepSize}
            onChange={(e) => setTileStepSize(Number(e.currentTarget.value))}
            data-testid="step-size"
          >
            {[0.25, 0.5, 0.75, 1].map((s) => (
              <option key={s} value={s}>
                {s === 0.5 ? '0.5 (nnU-Net default)' : s === 1 ? '1.0 (fastest)' : s}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Compute
          <select
            value={backend}
            onChange={(e) => setBackend(e.currentTarget.value as BackendChoice)}
            data-testid="backend"
          >
            <option value="auto">auto (GPU when there is one)</option>
            <option value="webgpu">WebGPU</option>
            <option value="wasm">wasm (CPU)</option>
          </select>
        </label>
        {model?.summary && model.summary.folds.length > 1 && (
          <div className="field">
            Folds
            {model.summary.folds.map((f) => (
              <label key={f} className="checkbox">
                <input
                  type="checkbox"
                  checked={usedFolds.includes(f)}
                  onChange={(e) => {
                    const next = e.currentTarget.checked
                      ? [...new Set([...usedFolds, f])]
                      : usedFolds.filter((x) => x !== f);
                    if (next.length) setFolds(next);
                  }}
                />
                {f}
              </label>
            ))}
          </div>
        )}
        {estimate && (
          <p className="muted" data-testid="tile-estimate">
            ≈ {estimate.evaluations} network evaluation{estimate.evaluations === 1 ? '' : 's'} (
            {estimate.tiles} tile{estimate.tiles === 1 ? '' : 's'} at {estimate.resampledShape.join('×')}{' '}
            voxels)
            {memory && (
              <span data-testid="memory-estimate">, peak memory ≈ {(memory.bytes / 1e9).toFixed(1)} GB</span>
            )}
          </p>
        )}
        <button
          type="button"
          className="primary"
          disabled={!scan || !model || running || !!model?.error}
          onClick={() => void segmentActiveScan()}
          data-testid="segment"
        >
          {running ? 'Segmenting…' : 'Segment'}
        </button>
      </section>
      {last && (
        <section>
          <h2>Last run</h2>
          <p data-testid="segment-timing">
            {(last.totalMs / 1000).toFixed(1)} s on {last.backend}: preprocess{' '}
            {(last.timings.preprocessMs / 1000).toFixed(1)} s, network{' '}
            {(last.timings.networkMs / 1000).toFixed(1)} s ({last.tiles} tiles), export{' '}
            {(last.timings.exportMs / 1000).toFixed(1)} s
          </p>
          {last.fallbackReason && <p className="muted">{last.fallbackReason}</p>}
        </section>
      )}
      <section>
        <h2>Labels</h2>
        <LabelTable />
        {labels && (
          <button type="button" onClick={() => void saveLabelMap(labels.id)} data-testid="save-nifti">
            Save as NIfTI
          </button>
        )}
      </section>
    </>
  );
}
