import { PyDict, PyFloat } from '../../pycompat/python-json';

/**
 * A pickle protocol-2 writer for the values a torch checkpoint holds: None, bool, int, float, str, list,
 * tuple, dict (insertion order), collections.OrderedDict, globals applied to arguments (torch.device,
 * torch._utils._rebuild_tensor_v2) and persistent ids (torch storages). Output loads with Python's
 * pickle and torch.load (weights_only=False, as nnU-Net loads checkpoints).
 *
 * Numbers: integers are written as Python ints, others as floats; wrap an integral float in PyFloat
 * (planning/python-json) to keep it a float. A PyDict (from parsePythonJson) keeps key order and float-ness,
 * so a plans.json read that way pickles exactly as Python's json.load would have produced it.
 */
export type PickleWritable =
  | null
  | boolean
  | number
  | string
  | PyFloat
  | PyDict
  | PickleWritable[]
  | PickleTuple
  | PickleOrderedDict
  | PickleDict
  | PickleCall
  | PickleGlobal
  | PicklePersistent
  | PickleBuild
  | Uint8Array
  | { [key: string]: PickleWritable };

export class PickleTuple {
  constructor(readonly items: PickleWritable[]) {}
}

/** A dict whose keys need not be strings (optimizer state is keyed by parameter index). */
export class PickleDict {
  constructor(readonly entries: Array<[PickleWritable, PickleWritable]>) {}
}

export class PickleOrderedDict {
  constructor(readonly entries: Array<[string, PickleWritable]>) {}
}

/** `module.name(*args)`: GLOBAL + args tuple + REDUCE. */
export class PickleCall {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly args: PickleWritable[],
  ) {}
}

/** A bare global reference (GLOBAL opcode), e.g. the storage type inside a torch persistent id. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
}

/** BINPERSID: the loader's persistent_load receives `id` (torch: ('storage', Type, key, location, numel)). */
export class PicklePersistent {
  constructor(readonly id: PickleWritable) {}
}

/** `obj.__setstate__(state)` (BUILD), as numpy arrays and dtypes are restored. */
export class PickleBuild {
  constructor(
    readonly obj: PickleWritable,
    readonly state: PickleWritable,
  ) {}
}

const enc = new TextEncoder();

class ByteSink {
  private buf = new Uint8Array(1 << 16);
  length = 0;
  private grow(n: number) {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.length));
    this.buf = b;
  }
  byte(...bs: number[]) {
    this.grow(bs.length);
    for (const b of bs) this.buf[this.length++] = b;
  }
  bytes(b: Uint8Array) {
    this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  u32(v: number) {
    this.byte(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const OP = {
  PROTO: 0x80,
  STOP: 0x2e,
  NONE: 0x4e,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  BININT: 0x4a,
  BININT1: 0x4b,
  BININT2: 0x4d,
  LONG1: 0x8a,
  BINFLOAT: 0x47,
  BINUNICODE: 0x58,
  EMPTY_LIST: 0x5d,
  APPENDS: 0x65,
  EMPTY_DICT: 0x7d,
  SETITEMS: 0x75,
  MARK: 0x28,
  TUPLE: 0x74,
  EMPTY_TUPLE: 0x29,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  GLOBAL: 0x63,
  REDUCE: 0x52,
  BINPERSID: 0x51,
  BUILD: 0x62,
  BINBYTES: 0x42,
} as const;

/** Protocol 2 by default (torch checkpoints); bytes values (Uint8Array) need protocol 3. */
export function pickle(value: PickleWritable, protocol: 2 | 3 = 2): Uint8Array {
  const s = new ByteSink();
  s.byte(OP.PROTO, protocol);
  write(s, value);
  s.byte(OP.STOP);
  return s.result();
}

function writeInt(s: ByteSink, v: number) {
  if (v >= 0 && v < 256) s.byte(OP.BININT1, v);
  else if (v >= 0 && v < 65536) s.byte(OP.BININT2, v & 255, v >> 8);
  else if (v >= -2147483648 && v <= 2147483647) {
    s.byte(OP.BININT);
    s.u32(v >>> 0);
  } else {
    // LONG1: little-endian two's complement
    let b = BigInt(v);
    const out: number[] = [];
    for (;;) {
      out.push(Number(b & 255n));
      b >>= 8n;
      const sign = (out[out.length - 1] & 0x80) !== 0;
      if ((b === 0n && !sign) || (b === -1n && sign)) break;
    }
    s.byte(OP.LONG1, out.length, ...out);
  }
}

function writeFloat(s: ByteSink, v: number) {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, false);
  s.byte(OP.BINFLOAT);
  s.bytes(b);
}

function writeStr(s: ByteSink, v: string) {
  const b = enc.encode(v);
  s.byte(OP.BINUNICODE);
  s.u32(b.length);
  s.bytes(b);
}

function writeTuple(s: ByteSink, items: PickleWritable[]) {
  if (items.length === 0) {
    s.byte(OP.EMPTY_TUPLE);
    return;
  }
  if (items.length > 3) s.byte(OP.MARK);
  for (const x of items) write(s, x);
  s.byte(
    items.length === 1
      ? OP.TUPLE1
      : items.length === 2
        ? OP.TUPLE2
        : items.length === 3
          ? OP.TUPLE3
          : OP.TUPLE,
  );
}

function writeItems(s: ByteSink, entries: Array<[PickleWritable, PickleWritable]>) {
  // batches of 1000, as pickle itself writes them
  for (let i = 0; i < entries.length; i += 1000) {
    s.byte(OP.MARK);
    for (const [k, v] of entries.slice(i, i + 1000)) {
      write(s, k);
      write(s, v);
    }
    s.byte(OP.SETITEMS);
  }
}

function write(s: ByteSink, v: PickleWritable): void {
  if (v === null || v === undefined) {
    s.byte(OP.NONE);
    return;
  }
  if (v === true) {
    s.byte(OP.NEWTRUE);
    return;
  }
  if (v === false) {
    s.byte(OP.NEWFALSE);
    return;
  }
  if (typeof v === 'number') {
    Number.isInteger(v) ? writeInt(s, v) : writeFloat(s, v);
    return;
  }
  if (typeof v === 'string') {
    writeStr(s, v);
    return;
  }
  if (v instanceof PyFloat) {
    writeFloat(s, v.value);
    return;
  }
  if (Array.isArray(v)) {
    s.byte(OP.EMPTY_LIST);
    for (let i = 0; i < v.length; i += 1000) {
      s.byte(OP.MARK);
      for (const x of v.slice(i, i + 1000)) write(s, x);
      s.byte(OP.APPENDS);
    }
    return;
  }
  if (v instanceof PickleTuple) {
    writeTuple(s, v.items);
    return;
  }
  if (v instanceof PickleCall) {
    s.byte(OP.GLOBAL);
    s.bytes(enc.encode(`${v.module}\n${v.name}\n`));
    writeTuple(s, v.args);
    s.byte(OP.REDUCE);
    return;
  }
  if (v instanceof PickleGlobal) {
    s.byte(OP.GLOBAL);
    s.bytes(enc.encode(`${v.module}\n${v.name}\n`));
    return;
  }
  if (v instanceof Uint8Array) {
    s.byte(OP.BINBYTES);
    s.u32(v.length);
    s.bytes(v);
    return;
  }
  if (v instanceof PickleBuild) {
    write(s, v.obj);
    write(s, v.state);
    s.byte(OP.BUILD);
    return;
  }
  if (v instanceof PicklePersistent) {
    write(s, v.id);
    s.byte(OP.BINPERSID);
    return;
  }
  if (v instanceof PickleOrderedDict) {
    s.byte(OP.GLOBAL);
    s.bytes(enc.encode('collections\nOrderedDict\n'));
    s.byte(OP.EMPTY_TUPLE, OP.REDUCE);
    writeItems(s, v.entries);
    return;
  }
  s.byte(OP.EMPTY_DICT);
  if (v instanceof PickleDict) {
    writeItems(s, v.entries);
    return;
  }
  if (v instanceof PyDict) {
    writeItems(s, v.entries);
    return;
  }
  writeItems(s, Object.entries(v as Record<string, PickleWritable>));
}
