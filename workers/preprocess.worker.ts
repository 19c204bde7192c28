/// <reference lib="webworker" />
// Preprocessing off the main thread: whole cases (decode → crop → normalise → resample → class
// locations), or slabs of one large resampling, and the export of predictions back to the source grid.
import { webEndpoint } from '../src/core/parallel/endpoints';
import { serve } from '../src/core/parallel/rpc';
import { preprocessHandlers } from '../src/core/preprocessing/worker-handlers';

serve(webEndpoint(self as unknown as DedicatedWorkerGlobalScope), preprocessHandlers);
