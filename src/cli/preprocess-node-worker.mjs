// worker_threads entry for `tessera preprocess --workers N`: loads the TypeScript handlers through tsx,
// as bin/tessera.mjs does for the CLI itself.
import { register } from 'tsx/esm/api';

register();
await import('./preprocess-node-worker.ts');
