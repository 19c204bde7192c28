import { useEffect, useState } from 'react';
import { type Job, useStore } from '../store';

function timeLeft(job: Job, now: number): string {
  if (job.total <= 0 || job.done <= 0) return '';
  const elapsed = (now - job.startedAt) / 1000;
  const left = (elapsed / job.done) * (job.total - job.done);
  if (!Number.isFinite(left) || left < 0.5) return '';
  return left < 60
    ? `${Math.ceil(left)} s left`
    : `${Math.floor(left / 60)} min ${Math.ceil(left % 60)} s left`;
}

/** Every long job: what it is doing, how far, time left, Cancel. A finished job leaves a timing line. */
export function JobProgress() {
  const jobs = useStore((s) => s.jobs);
  const lastTiming = useStore((s) => s.lastTiming);
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (jobs.length === 0) return;
    const t = setInterval(() => setNow(performance.now()), 250);
    return () => clearInterval(t);
  }, [jobs.length]);
  return (
    <footer className="jobs">
      {jobs.map((j) => {
        const frac = j.total > 0 ? Math.min(1, j.done / j.total) : null;
        return (
          <div className="job" key={j.id} data-testid="job">
            <span className="job-title">{j.title}</span>
            {j.stage && <span className="job-stage">{j.stage}</span>}
            <progress max={1} value={frac ?? undefined} />
            {j.total > 1 && (
              <span className="job-count">
                {Math.floor(j.done)} / {j.total}
              </span>
            )}
            <span className="job-eta">{timeLeft(j, now)}</span>
            {j.cancel && (
              <button type="button" onClick={j.cancel}>
                Cancel
              </button>
            )}
          </div>
        );
      })}
      {jobs.length === 0 && lastTiming && (
        <div className="job-timing" data-testid="last-timing">
          {lastTiming}
        </div>
      )}
    </footer>
  );
}
