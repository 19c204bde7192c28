import { useStore } from '../store';

export function ErrorBanners() {
  const banners = useStore((s) => s.banners);
  const dismiss = useStore((s) => s.dismissBanner);
  if (banners.length === 0) return null;
  return (
    <div className="banners">
      {banners.map((b) => (
        <div
          key={b.id}
          className={`banner ${b.kind}`}
          role={b.kind === 'error' ? 'alert' : 'status'}
          data-testid={`banner-${b.kind}`}
        >
          <div>
            <div className="banner-message">{b.message}</div>
            {b.hint && <div className="banner-hint">{b.hint}</div>}
          </div>
          <button type="button" aria-label="Dismiss" onClick={() => dismiss(b.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
