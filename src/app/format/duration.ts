/** Milliseconds as a person reads a wait: "40 s", "3 min". */
export const duration = (ms: number) =>
  ms < 90_000 ? `${Math.max(1, Math.round(ms / 1000))} s` : `${Math.round(ms / 60_000)} min`;
