/**
 * JSON text exactly as Python's `json.dump(obj, f, indent=4, sort_keys=...)` writes it, which is what
 * nnU-Net's `save_json` produces: floats in `repr` form (`30.0`, `1e-05`, `38.56986999511719`), ints
 * without a dot, non-ASCII escaped (`ensure_ascii`), `NaN`/`Infinity` for non-finite floats, no
 * trailing newline.
 *
 * JavaScript has one number type, so a float whose value happens to be integral must be marked: wrap
 * it with `pyFloat(x)`. Plain numbers print as ints when integral and as floats otherwise.
 */

export class PyFloat {
  constructor(readonly value: number) {}
}

export function pyFloat(value: number): PyFloat {
  return new PyFloat(value);
}

export function pyFloats(values: readonly number[]): PyFloat[] {
  return values.map((v) => new PyFloat(v));
}

export type PyJson =
  | null
  | boolean
  | number
  | string
  | PyFloat
  | PyDict
  | PyJson[]
  | { [key: string]: PyJson | undefined };

/** Python's `repr(float)`: the shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number.parseInt(expText, 10);
  // CPython's float_repr_style 'short': exponent notation when decpt <= -4 or decpt > 16, where the
  // value is 0.DIGITS × 10^decpt.
  const decpt = exp + 1;
  let s: string;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) s = `0.${'0'.repeat(-decpt)}${digits}`;
    else if (decpt >= digits.length) s = `${digits}${'0'.repeat(decpt - digits.length)}.0`;
    else s = `${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  } else {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    s = `${digits[0]}${frac}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return x < 0 ? `-${s}` : s;
}

/** Python's json string encoding with ensure_ascii=True (lowercase \u escapes, UTF-16 code units). */
export function pythonJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20 && c <= 0x7e) out += s[i];
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else out += `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

function formatNumber(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return pythonFloatRepr(x);
}

export interface PythonJsonOptions {
  indent?: number;
  sortKeys?: boolean;
}

export function toPythonJson(value: PyJson, options: PythonJsonOptions = {}): string {
  const indent = options.indent ?? 4;
  const sortKeys = options.sortKeys ?? false;
  const write = (v: PyJson, level: number): string => {
    if (v === null) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') return formatNumber(v);
    if (typeof v === 'string') return pythonJsonString(v);
    if (v instanceof PyFloat) return pythonFloatRepr(v.value);
    const inner = `\n${' '.repeat(indent * (level + 1))}`;
    const outer = `\n${' '.repeat(indent * level)}`;
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[${inner}${v.map((e) => write(e, level + 1)).join(`,${inner}`)}${outer}]`;
    }
    // undefined members are left out, as JSON.stringify does
    const entries: [string, PyJson][] =
      v instanceof PyDict
        ? [...v.entries]
        : (Object.entries(v).filter(([, x]) => x !== undefined) as [string, PyJson][]);
    if (entries.length === 0) return '{}';
    if (sortKeys) entries.sort((a, b) => comparePythonKeys(a[0], b[0]));
    const items = entries.map(([k, x]) => `${pythonJsonString(k)}: ${write(x, level + 1)}`);
    return `{${inner}${items.join(`,${inner}`)}${outer}}`;
  };
  return write(value, 0);
}

/**
 * sort_keys order. nnU-Net's channel dicts have int keys in Python, which sort numerically before being
 * turned into strings; every other dict has string keys (code-point order).
 */
function comparePythonKeys(a: string, b: string): number {
  const ia = /^(0|[1-9]\d*)$/.test(a);
  const ib = /^(0|[1-9]\d*)$/.test(b);
  if (ia && ib) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A Python dict read from JSON text, in the file's key order (JavaScript objects put "0", "1"… first). */
export class PyDict {
  constructor(readonly entries: [string, PyJsonValue][]) {}
  get(key: string): PyJsonValue | undefined {
    return this.entries.find(([k]) => k === key)?.[1];
  }
}

/** What parsePythonJson returns: objects as ordered PyDicts, floats (`1.0`, `1e-05`) as PyFloats. */
export type PyJsonValue = null | boolean | number | string | PyFloat | PyJsonValue[] | PyDict;

/**
 * JSON text → values that remember what Python's json.load would: key order and float vs int. Used
 * where a file is read and written back (a plans file's custom configurations) or where key order
 * carries meaning (the order of channel_names).
 */
export function parsePythonJson(text: string): PyJsonValue {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const err = (what: string): never => {
    throw new SyntaxError(`${what} at position ${i}`);
  };
  const value = (): PyJsonValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries: [string, PyJsonValue][] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return new PyDict(entries);
      }
      for (;;) {
        ws();
        if (text[i] !== '"') err('expected a key');
        const k = str();
        ws();
        if (text[i] !== ':') err("expected ':'");
        i++;
        const v = value();
        const at = entries.findIndex(([kk]) => kk === k);
        if (at >= 0) entries[at][1] = v;
        else entries.push([k, v]);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return new PyDict(entries);
        } else err("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const out: PyJsonValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return out;
        } else err("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    for (const [lit, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
      ['NaN', new PyFloat(Number.NaN)],
      ['Infinity', new PyFloat(Number.POSITIVE_INFINITY)],
      ['-Infinity', new PyFloat(Number.NEGATIVE_INFINITY)],
    ] as const) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return v;
      }
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return err('unexpected character');
    i += m[0].length;
    const x = Number(m[0]);
    return m[2] || m[3] ? new PyFloat(x) : x;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) err('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const v = value();
  ws();
  if (i !== text.length) err('trailing characters');
  return v;
}

/** Plain JavaScript values (objects, numbers) from a parsed PyJsonValue. */
export function pyToPlain(v: PyJsonValue): unknown {
  if (v instanceof PyFloat) return v.value;
  if (v instanceof PyDict) return Object.fromEntries(v.entries.map(([k, x]) => [k, pyToPlain(x)]));
  if (Array.isArray(v)) return v.map(pyToPlain);
  return v;
}
