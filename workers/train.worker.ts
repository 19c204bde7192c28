/// <reference lib="webworker" />
// Fine-tuning off the main thread: the engine (WebGPU, else the CPU twin) trains an nnU-Net model on the
// user's cases; see core/training/trainer-service.ts for the calls and their progress events.
import { webEndpoint } from '../src/core/parallel/endpoints';
import { serve } from '../src/core/parallel/rpc';
import { trainerHandlers } from '../src/core/training/trainer-service';

serve(webEndpoint(self as unknown as DedicatedWorkerGlobalScope), trainerHandlers);
