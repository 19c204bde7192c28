// A worker_threads worker for `tessera preprocess --workers N`: the same handlers as the browser's
// workers/preprocess.worker.ts.
import { parentPort } from 'node:worker_threads';
import { nodeEndpoint } from '../core/parallel/endpoints';
import { serve } from '../core/parallel/rpc';
import { preprocessHandlers } from '../core/preprocessing/worker-handlers';

if (!parentPort) throw new Error('preprocess-node-worker must run in a worker thread');
serve(nodeEndpoint(parentPort), preprocessHandlers);
