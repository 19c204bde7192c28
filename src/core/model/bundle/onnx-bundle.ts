import { TesseraError } from '../../errors';
import { type FileSet, readJsonFile } from './file-set';
import { isModelCardJson, type ModelCard, parseModelCard } from './model-card';

/** A plain ONNX model with its model card (see model-card.ts), e.g. MeshNet. */
export interface OnnxBundle {
  files: FileSet;
  cardPath: string;
  card: ModelCard;
  /** Path of the .onnx inside the FileSet. */
  modelPath: string;
  modelSize: number;
}

const dirOf = (p: string) => p.slice(0, p.lastIndexOf('/') + 1);

/** Paths of the model cards in a FileSet (JSON files that declare the card format). */
export async function findModelCards(files: FileSet): Promise<string[]> {
  const jsons = files.paths.filter((p) => p.toLowerCase().endsWith('.json') && files.size(p) < 1 << 20);
  // model-card.json first: cheap to find, and the conventional name
  jsons.sort((a, b) => Number(!a.endsWith('model-card.json')) - Number(!b.endsWith('model-card.json')));
  const cards: string[] = [];
  for (const p of jsons) {
    if (p.endsWith('plans.json') || p.endsWith('dataset.json') || p.endsWith('dataset_fingerprint.json'))
      continue;
    try {
      if (isModelCardJson(await readJsonFile(files, p))) cards.push(p);
    } catch {
      // a broken JSON that is not called model-card.json is not ours to complain about
      if (p.endsWith('model-card.json'))
        throw new TesseraError('bad-model', `${files.name}/${p}`, 'is not valid JSON');
    }
  }
  return cards;
}

export async function readOnnxBundle(files: FileSet, cardPath?: string): Promise<OnnxBundle> {
  if (!cardPath) {
    const cards = await findModelCards(files);
    if (cards.length === 0) {
      const onnx = files.paths.find((p) => p.toLowerCase().endsWith('.onnx'));
      throw new TesseraError(
        'not-found',
        onnx ? `${files.name}/${onnx}` : files.name,
        onnx
          ? 'a plain ONNX model needs a model card beside it (model-card.json: input, preprocessing, labels)'
          : 'holds no model card (model-card.json)',
      );
    }
    if (cards.length > 1)
      throw new TesseraError(
        'bad-argument',
        files.name,
        `holds ${cards.length} model cards (${cards.join(', ')}): pick one`,
      );
    cardPath = cards[0];
  }
  const card = parseModelCard(await readJsonFile(files, cardPath), `${files.name}/${cardPath}`);
  const modelPath = `${dirOf(cardPath)}${card.model.replace(/^\.\//, '')}`;
  if (!files.paths.includes(modelPath))
    throw new TesseraError('not-found', `${files.name}/${modelPath}`, `is missing (named by ${cardPath})`);
  const size = files.size(modelPath);
  const head = await (await files.open(modelPath)).read(0, Math.min(size, 2));
  // An ONNX ModelProto starts with field 1 (ir_version, varint): byte 0x08.
  if (size < 16 || head[0] !== 0x08)
    throw new TesseraError(
      'bad-model',
      `${files.name}/${modelPath}`,
      'is not an ONNX model (or is truncated)',
    );
  return { files, cardPath, card, modelPath, modelSize: size };
}

export async function readOnnxModelBytes(bundle: OnnxBundle): Promise<Uint8Array> {
  const src = await bundle.files.open(bundle.modelPath);
  return src.read(0, src.size);
}
