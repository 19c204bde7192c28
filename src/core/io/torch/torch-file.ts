import type { PickleValue } from './pickle';
import type { Tensor, TensorRef } from './torch-tensor';

/**
 * A torch.save file (`.pth`, `.pt`): the zip format of torch ≥ 1.6 (`<name>/data.pkl` + `<name>/data/<key>`
 * storages + `<name>/byteorder`), or the legacy non-zip format (back-to-back pickles + raw storages).
 * `root` is the unpickled object with tensors as TensorRef; `loadTensor` reads one tensor's bytes on demand.
 */
export interface TorchFile {
  name: string;
  root: PickleValue;
  loadTensor(ref: TensorRef): Promise<Tensor>;
  /** Forget the storages read so far (tensors already returned stay valid). */
  releaseCache(): void;
}
