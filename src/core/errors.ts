/**
 * The one error type every stage throws for bad input. It always names the file (or the thing) at fault
 * and says what is wrong in one line, so the UI banner and the CLI can show it as is, without a stack.
 */
export type ErrorCode =
  | 'gzip-corrupt'
  | 'gzip-truncated'
  | 'bad-magic'
  | 'bad-header'
  | 'truncated-data'
  | 'unsupported-datatype'
  | 'unsupported-format'
  | 'too-large'
  | 'grid-mismatch'
  | 'bad-dataset'
  | 'bad-plans'
  | 'bad-model'
  | 'unsafe-pickle'
  | 'bad-argument'
  | 'not-found'
  | 'cancelled'
  | 'device-lost'
  | 'out-of-memory';

export class TesseraError extends Error {
  override readonly name = 'TesseraError';
  constructor(
    readonly code: ErrorCode,
    /** The file (or object) at fault, as the user knows it: a file name, a path, a key. */
    readonly file: string,
    /** What is wrong, one sentence, no file name (it is prefixed). */
    readonly detail: string,
  ) {
    super(file ? `${file}: ${detail}` : detail);
  }
}

export function isTesseraError(e: unknown): e is TesseraError {
  return (
    e instanceof TesseraError ||
    (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'TesseraError')
  );
}

/** Plain data that survives postMessage; the worker client turns it back into a TesseraError. */
export interface SerializedError {
  name: string;
  code?: ErrorCode;
  file?: string;
  detail?: string;
  message: string;
}

export function serializeError(e: unknown): SerializedError {
  if (isTesseraError(e))
    return { name: 'TesseraError', code: e.code, file: e.file, detail: e.detail, message: e.message };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

export function deserializeError(s: SerializedError): Error {
  if (s.name === 'TesseraError' && s.code)
    return new TesseraError(s.code, s.file ?? '', s.detail ?? s.message);
  const e = new Error(s.message);
  e.name = s.name;
  return e;
}

/** One line for a person: the message of a TesseraError, or a short form of anything else. */
export function describeError(e: unknown): string {
  if (isTesseraError(e)) return e.message;
  if (e instanceof Error) return e.message.split('\n')[0] || e.name;
  return String(e);
}
