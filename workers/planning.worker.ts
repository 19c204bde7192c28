/// <reference lib="webworker" />
// Dataset fingerprinting off the main thread: one training case per call (decode, verify, crop, sample).
import { webEndpoint } from '../src/core/parallel/endpoints';
import { serve } from '../src/core/parallel/rpc';
import { planningHandlers } from '../src/core/planning/worker-handlers';

serve(webEndpoint(self as unknown as DedicatedWorkerGlobalScope), planningHandlers);
