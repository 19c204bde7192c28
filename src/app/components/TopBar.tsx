import { activeScan, type Mode, useStore } from '../store';

const MODES: { id: Mode; label: string }[] = [
  { id: 'view', label: 'View' },
  { id: 'plan', label: 'Plan' },
  { id: 'segment', label: 'Segment' },
  { id: 'finetune', label: 'Fine-tune' },
];

export function TopBar() {
  const mode = useStore((s) => s.mode);
  const setMode = useStore((s) => s.setMode);
  const scan = useStore(activeScan);
  const backend = useStore((s) => s.backend);
  return (
    <header className="topbar">
      <div className="brand">
        <span className="logo" aria-hidden>
          ◧
        </span>
        Tessera
      </div>
      <div className="scan-name" data-testid="scan-name" title={scan?.name}>
        {scan ? scan.name : 'no scan loaded'}
      </div>
      <div className="modes" role="tablist" aria-label="Mode">
        {MODES.map((m) => (
          <button
            key={m.id}
            type="button"
            role="tab"
            aria-selected={mode === m.id}
            className={mode === m.id ? 'active' : ''}
            onClick={() => setMode(m.id)}
          >
            {m.label}
          </button>
        ))}
      </div>
      <div
        className={`backend-chip ${backend.kind}`}
        data-testid="backend-chip"
        title={backend.reason ?? backend.label}
      >
        {backend.label}
      </div>
      <div className="privacy" title="Files are read by your browser; nothing is uploaded.">
        Your scans never leave this computer.
      </div>
    </header>
  );
}
