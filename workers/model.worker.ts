/// <reference lib="webworker" />
// Opens dropped models (nnU-Net results folders, zips, ONNX + model card) and exports ONNX off the main
// thread. Checkpoints are read slice by slice from the dropped Files; the ONNX bytes are transferred.
import { inspectModel, modelOnnx } from '../src/core/model/bundle/model-service';
import { webEndpoint } from '../src/core/parallel/endpoints';
import { serve, withTransfer } from '../src/core/parallel/rpc';

serve(webEndpoint(self as unknown as DedicatedWorkerGlobalScope), {
  inspect: inspectModel,
  async onnx(req: Parameters<typeof modelOnnx>[0]) {
    const bytes = await modelOnnx(req);
    return withTransfer(bytes, [bytes.buffer as ArrayBuffer]);
  },
});
