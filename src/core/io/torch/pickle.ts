import { TesseraError } from '../../errors';

/**
 * A SAFE Python pickle reader (protocols 0–5 opcodes as torch and numpy write them). It never imports or
 * calls anything, and it refuses, with one line naming the file and the global, any GLOBAL outside the
 * caller's allow-list (torch checkpoints: PyTorch's weights_only list, weights-only-globals.ts): a file that
 * names `posix.system` is not "read harmlessly", it is rejected, because the user may hand it to PyTorch.
 * An allowed GLOBAL becomes an inert `PickleGlobal` descriptor; REDUCE / NEWOBJ / BUILD on it become inert
 * `PickleObject` data unless the caller supplies a handler for exactly that dotted name — and handlers are
 * pure data constructors (tensor rebuilds, OrderedDict, …), see torch-pickle.ts.
 *
 * Python values map to: None → null, bool → boolean, int → number (bigint beyond 2^53), float → number,
 * str → string, bytes → Uint8Array, list/tuple → array, dict → Map, set → Set.
 */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get path(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An object the reader does not construct: the callable's dotted name and what it would have been given. */
export class PickleObject {
  state: PickleValue = null;
  /** Items appended / set on the object after creation (list or dict subclasses). */
  listItems: PickleValue[] = [];
  dictItems = new Map<PickleKey, PickleValue>();
  constructor(
    readonly global: string,
    readonly args: PickleValue[],
    readonly kwargs: PickleValue = null,
  ) {}
}

/** Base class of values a handler builds (tensor and storage references), so they are told apart from data. */
export abstract class PickleCustom {}

export type PickleKey = PickleValue;
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | Map<PickleKey, PickleValue>
  | Set<PickleValue>
  | PickleGlobal
  | PickleObject
  | PickleCustom;

export interface PickleOptions {
  /** Pure data constructors by dotted name ('collections.OrderedDict'); anything else stays inert. */
  reduce?: Record<string, (args: PickleValue[]) => PickleValue>;
  /** BUILD (`__setstate__`) on a value a handler made; return the updated value. */
  build?: (obj: PickleValue, state: PickleValue) => PickleValue | undefined;
  /** Persistent ids (torch storages). Without it a persistent id is an error. */
  persistentLoad?: (pid: PickleValue) => PickleValue;
  /** Which dotted globals the pickle may name; default: the plain-data builtins of BUILTIN_REDUCE. */
  allowGlobal?: (path: string) => boolean;
  /** Says which list refused a global, for the error line ("PyTorch's weights_only allow-list"). */
  allowListName?: string;
}

/** Python 2 module names a protocol-2 pickle may use, mapped as Python 3 (and torch) map them. */
const PY2_MODULES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

const MAX_LONG_BYTES = 1 << 16;

/** The ops torch checkpoints use that are pure data on any Python: safe to evaluate for everyone. */
const BUILTIN_REDUCE: Record<string, (args: PickleValue[]) => PickleValue> = {
  'collections.OrderedDict': (args) => {
    const m = new Map<PickleKey, PickleValue>();
    const init = args[0];
    if (Array.isArray(init))
      for (const kv of init) if (Array.isArray(kv) && kv.length === 2) m.set(kv[0], kv[1]);
    return m;
  },
  // Protocol 2 pickles bytes as _codecs.encode(text, 'latin1').
  '_codecs.encode': (args) => {
    const [text, encoding] = args;
    if (typeof text === 'string' && (encoding === 'latin1' || encoding === 'latin-1')) {
      const out = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
      return out;
    }
    return new PickleObject('_codecs.encode', args);
  },
  'builtins.set': (args) => new Set(Array.isArray(args[0]) ? args[0] : []),
  'builtins.frozenset': (args) => new Set(Array.isArray(args[0]) ? args[0] : []),
  'builtins.bytearray': (args) => (args[0] instanceof Uint8Array ? args[0] : new Uint8Array(0)),
};

export function unpickle(bytes: Uint8Array, file: string, options: PickleOptions = {}): PickleValue {
  const r = new PickleMachine(bytes, file, options);
  return r.run();
}

/** Like unpickle, from `start`; also returns where the pickle ended (STOP + 1), for back-to-back pickles. */
export function unpickleAt(
  bytes: Uint8Array,
  start: number,
  file: string,
  options: PickleOptions = {},
): { value: PickleValue; end: number } {
  const r = new PickleMachine(bytes, file, options, start);
  const value = r.run();
  return { value, end: r.pos };
}

class PickleMachine {
  private stack: StackItem[] = [];
  private metastack: StackItem[][] = [];
  private memo = new Map<number, PickleValue>();
  private readonly dv: DataView;
  private readonly reduce: Record<string, (args: PickleValue[]) => PickleValue>;
  private readonly allowGlobal: (path: string) => boolean;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
    private readonly options: PickleOptions,
    public pos = 0,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.reduce = { ...BUILTIN_REDUCE, ...(options.reduce ?? {}) };
    this.allowGlobal = options.allowGlobal ?? ((path) => path in BUILTIN_REDUCE);
  }

  /** The only way a global enters the stack: checked against the allow-list first. */
  private global(module: string, name: string): PickleGlobal {
    const g = new PickleGlobal(PY2_MODULES[module] ?? module, name);
    if (!this.allowGlobal(g.path))
      throw new TesseraError(
        'unsafe-pickle',
        this.file,
        `names the Python global ${g.path}, which is outside ${this.options.allowListName ?? 'the allow-list of plain data types'}: refused (loading it with PyTorch could run code)`,
      );
    return g;
  }

  fail(detail: string): never {
    throw new TesseraError('unsafe-pickle', this.file, `pickle at byte ${this.pos}: ${detail}`);
  }

  private need(n: number) {
    if (this.pos + n > this.bytes.length)
      throw new TesseraError('truncated-data', this.file, 'the pickle stream is truncated');
  }
  private u8() {
    this.need(1);
    return this.bytes[this.pos++];
  }
  private u16() {
    this.need(2);
    const v = this.dv.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  private u32() {
    this.need(4);
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private i32() {
    this.need(4);
    const v = this.dv.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private u64() {
    this.need(8);
    const lo = this.dv.getUint32(this.pos, true);
    const hi = this.dv.getUint32(this.pos + 4, true);
    this.pos += 8;
    const v = hi * 2 ** 32 + lo;
    if (v > Number.MAX_SAFE_INTEGER) this.fail('length beyond 2^53');
    return v;
  }
  private take(n: number): Uint8Array {
    this.need(n);
    const b = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw new TesseraError('truncated-data', this.file, 'the pickle stream is truncated');
    const s = latin1(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }
  private utf8(n: number): string {
    return new TextDecoder('utf-8', { fatal: false }).decode(this.take(n));
  }

  private push(v: StackItem) {
    this.stack.push(v);
  }
  private pop(): PickleValue {
    if (this.stack.length === 0) this.fail('stack underflow');
    const v = this.stack.pop()!;
    if (v === MARK) this.fail('unexpected MARK');
    return v as PickleValue;
  }
  private top(): PickleValue {
    const v = this.stack[this.stack.length - 1];
    if (v === undefined || v === MARK) this.fail('stack underflow');
    return v as PickleValue;
  }
  private popMark(): PickleValue[] {
    const items = this.stack as PickleValue[];
    const prev = this.metastack.pop();
    if (!prev) this.fail('no MARK to pop to');
    this.stack = prev;
    return items;
  }

  private callGlobal(fn: PickleValue, args: PickleValue[], kwargs: PickleValue = null): PickleValue {
    if (fn instanceof PickleGlobal) {
      const handler = this.reduce[fn.path];
      if (handler && kwargs === null) return handler(args);
      return new PickleObject(fn.path, args, kwargs);
    }
    // Calling the result of another call is how crafted pickles chain getattr(...)(...): never valid data.
    return this.fail('calls a value that is not an allowed global (a crafted pickle)');
  }

  private setItems(target: PickleValue, pairs: PickleValue[]) {
    if (pairs.length % 2) this.fail('odd number of items for SETITEMS');
    const map =
      target instanceof Map
        ? target
        : target instanceof PickleObject
          ? target.dictItems
          : this.fail('SETITEMS on a non-dict');
    for (let i = 0; i < pairs.length; i += 2) map.set(pairs[i], pairs[i + 1]);
  }

  private appendItems(target: PickleValue, items: PickleValue[]) {
    if (Array.isArray(target)) target.push(...items);
    else if (target instanceof PickleObject) target.listItems.push(...items);
    else if (target instanceof Set) for (const i of items) target.add(i);
    else this.fail('APPEND on a non-list');
  }

  run(): PickleValue {
    for (;;) {
      const op = this.u8();
      switch (op) {
        case 0x80: // PROTO
          if (this.u8() > 5) this.fail('pickle protocol newer than 5');
          break;
        case 0x95: // FRAME (a size hint only)
          this.u64();
          break;
        case 0x2e: // STOP
          return this.pop();
        case 0x28: // MARK
          this.metastack.push(this.stack);
          this.stack = [];
          break;
        case 0x30: // POP
          if (this.stack.length === 0) this.fail('stack underflow');
          this.stack.pop();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.push(this.top());
          break;
        // --- constants and numbers
        case 0x4e: // NONE
          this.push(null);
          break;
        case 0x88: // NEWTRUE
          this.push(true);
          break;
        case 0x89: // NEWFALSE
          this.push(false);
          break;
        case 0x4a: // BININT
          this.push(this.i32());
          break;
        case 0x4b: // BININT1
          this.push(this.u8());
          break;
        case 0x4d: // BININT2
          this.push(this.u16());
          break;
        case 0x8a: // LONG1
          this.push(decodeLong(this.take(this.u8())));
          break;
        case 0x8b: {
          // LONG4
          const n = this.i32();
          if (n < 0 || n > MAX_LONG_BYTES) this.fail(`LONG4 of ${n} bytes`);
          this.push(decodeLong(this.take(n)));
          break;
        }
        case 0x49: {
          // INT (text); "I01\n"/"I00\n" are True/False in protocol 0
          const s = this.line();
          if (s === '01') this.push(true);
          else if (s === '00') this.push(false);
          else this.push(parseIntText(s, this));
          break;
        }
        case 0x4c: // LONG (text)
          this.push(parseIntText(this.line().replace(/L$/, ''), this));
          break;
        case 0x47: {
          // BINFLOAT (big-endian double)
          this.need(8);
          this.push(this.dv.getFloat64(this.pos, false));
          this.pos += 8;
          break;
        }
        case 0x46: // FLOAT (text)
          this.push(Number.parseFloat(this.line()));
          break;
        // --- strings and bytes
        case 0x58: // BINUNICODE
          this.push(this.utf8(this.u32()));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.push(this.utf8(this.u8()));
          break;
        case 0x8d: // BINUNICODE8
          this.push(this.utf8(this.u64()));
          break;
        case 0x56: // UNICODE (text, raw-unicode-escape)
          this.push(this.line());
          break;
        case 0x54: // BINSTRING (Python 2 str)
          this.push(latin1(this.take(this.i32())));
          break;
        case 0x55: // SHORT_BINSTRING
          this.push(latin1(this.take(this.u8())));
          break;
        case 0x53: {
          // STRING (text, quoted)
          const s = this.line();
          this.push(s.length >= 2 ? s.slice(1, -1) : s);
          break;
        }
        case 0x42: // BINBYTES
          this.push(this.take(this.u32()).slice());
          break;
        case 0x43: // SHORT_BINBYTES
          this.push(this.take(this.u8()).slice());
          break;
        case 0x8e: // BINBYTES8
          this.push(this.take(this.u64()).slice());
          break;
        case 0x96: // BYTEARRAY8
          this.push(this.take(this.u64()).slice());
          break;
        case 0x97: // NEXT_BUFFER
        case 0x98: // READONLY_BUFFER
          this.fail('out-of-band buffers (pickle protocol 5) are not supported');
          break;
        // --- containers
        case 0x7d: // EMPTY_DICT
          this.push(new Map());
          break;
        case 0x5d: // EMPTY_LIST
          this.push([]);
          break;
        case 0x29: // EMPTY_TUPLE
          this.push([]);
          break;
        case 0x8f: // EMPTY_SET
          this.push(new Set());
          break;
        case 0x74: // TUPLE
          this.push(this.popMark());
          break;
        case 0x85: // TUPLE1
          this.push([this.pop()]);
          break;
        case 0x86: {
          // TUPLE2
          const b = this.pop();
          this.push([this.pop(), b]);
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = this.pop();
          const b = this.pop();
          this.push([this.pop(), b, c]);
          break;
        }
        case 0x6c: // LIST
          this.push(this.popMark());
          break;
        case 0x64: {
          // DICT
          const items = this.popMark();
          const m = new Map<PickleKey, PickleValue>();
          this.setItems(m, items);
          this.push(m);
          break;
        }
        case 0x91: // FROZENSET
          this.push(new Set(this.popMark()));
          break;
        case 0x61: {
          // APPEND
          const v = this.pop();
          this.appendItems(this.top(), [v]);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark();
          this.appendItems(this.top(), items);
          break;
        }
        case 0x73: {
          // SETITEM
          const v = this.pop();
          const k = this.pop();
          this.setItems(this.top(), [k, v]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark();
          this.setItems(this.top(), items);
          break;
        }
        case 0x90: {
          // ADDITEMS
          const items = this.popMark();
          const s = this.top();
          if (!(s instanceof Set)) this.fail('ADDITEMS on a non-set');
          for (const i of items) s.add(i);
          break;
        }
        // --- memo
        case 0x71: // BINPUT
          this.memo.set(this.u8(), this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(this.u32(), this.top());
          break;
        case 0x70: // PUT
          this.memo.set(Number(this.line()), this.top());
          break;
        case 0x94: // MEMOIZE
          this.memo.set(this.memo.size, this.top());
          break;
        case 0x68: // BINGET
          this.push(this.memoGet(this.u8()));
          break;
        case 0x6a: // LONG_BINGET
          this.push(this.memoGet(this.u32()));
          break;
        case 0x67: // GET
          this.push(this.memoGet(Number(this.line())));
          break;
        // --- globals and objects: described, never resolved or called
        case 0x63: {
          // GLOBAL "module\nname\n"
          const module = this.line();
          this.push(this.global(module, this.line()));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string')
            this.fail('STACK_GLOBAL needs two strings');
          this.push(this.global(module, name));
          break;
        }
        case 0x52: {
          // REDUCE
          const args = this.pop();
          const fn = this.pop();
          this.push(this.callGlobal(fn, Array.isArray(args) ? args : [args]));
          break;
        }
        case 0x81: {
          // NEWOBJ
          const args = this.pop();
          const cls = this.pop();
          this.push(this.callGlobal(cls, Array.isArray(args) ? args : [args]));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX
          const kwargs = this.pop();
          const args = this.pop();
          const cls = this.pop();
          const kw = kwargs instanceof Map && kwargs.size === 0 ? null : kwargs;
          this.push(this.callGlobal(cls, Array.isArray(args) ? args : [args], kw));
          break;
        }
        case 0x6f: {
          // OBJ (protocol 1): MARK cls args... OBJ
          const items = this.popMark();
          if (items.length === 0) this.fail('OBJ without a class');
          this.push(this.callGlobal(items[0], items.slice(1)));
          break;
        }
        case 0x69: {
          // INST (protocol 0): "module\nname\n" after MARK args
          const module = this.line();
          const name = this.line();
          this.push(this.callGlobal(this.global(module, name), this.popMark()));
          break;
        }
        case 0x62: {
          // BUILD
          const state = this.pop();
          const obj = this.top();
          const built = this.options.build?.(obj, state);
          if (built !== undefined) {
            this.stack[this.stack.length - 1] = built;
          } else if (obj instanceof PickleObject) {
            obj.state = state;
          }
          // BUILD on anything else (e.g. an OrderedDict's _metadata) is dropped: it carries no data we use.
          break;
        }
        case 0x51: {
          // BINPERSID
          const pid = this.pop();
          if (!this.options.persistentLoad) this.fail('persistent id without a loader');
          this.push(this.options.persistentLoad(pid));
          break;
        }
        case 0x50: {
          // PERSID (text)
          const pid = this.line();
          if (!this.options.persistentLoad) this.fail('persistent id without a loader');
          this.push(this.options.persistentLoad(pid));
          break;
        }
        case 0x82: // EXT1
        case 0x83: // EXT2
        case 0x84: // EXT4: a global by copyreg extension code, unnamed, so never on an allow-list
          this.fail('names a global by extension-registry code (refused: it cannot be checked)');
          break;
        default:
          this.pos--;
          this.fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }

  private memoGet(i: number): PickleValue {
    if (!this.memo.has(i)) this.fail(`memo key ${i} was never stored`);
    return this.memo.get(i)!;
  }
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

/** Little-endian two's complement, as LONG1/LONG4 store ints. */
function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function parseIntText(s: string, m: { fail(d: string): never }): number | bigint {
  if (!/^[-+]?\d+$/.test(s.trim())) m.fail(`bad integer literal "${s}"`);
  const v = BigInt(s.trim());
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Convert pickled plain data (dicts with string keys) to JSON-like objects, e.g. the plans inside init_args. */
export function toPlain(v: PickleValue): unknown {
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    // defineProperty: a key named "__proto__" becomes an own property, never the prototype.
    for (const [k, x] of v)
      Object.defineProperty(o, String(k), {
        value: toPlain(x),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return o;
  }
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof Set) return [...v].map(toPlain);
  if (typeof v === 'bigint') return v;
  if (v instanceof PickleGlobal) return { __global__: v.path };
  if (v instanceof PickleObject) return { __global__: v.global, args: v.args.map(toPlain) };
  return v;
}
