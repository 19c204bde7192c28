import { ProtoWriter } from './protobuf';

/**
 * ONNX messages as plain data and their protobuf encoding (field numbers from onnx/onnx.proto, IR version 8).
 * Only what our graphs use: float/int64/float16 tensors with raw_data, node attributes of kinds
 * FLOAT, INT, INTS, FLOATS, STRING.
 */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10, DOUBLE: 11 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

export interface TensorInit {
  name: string;
  dataType: DataTypeCode;
  dims: number[];
  /** little-endian element bytes */
  raw: Uint8Array;
}

export type AttributeValue = number | number[] | string | { float: number } | { floats: number[] };

export interface NodeDef {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes?: Record<string, AttributeValue>;
}

export interface ValueInfo {
  name: string;
  elemType: DataTypeCode;
  /** numbers are fixed sizes, strings symbolic (e.g. 'batch') */
  shape: (number | string)[];
}

export interface ModelDef {
  graphName: string;
  nodes: NodeDef[];
  initializers: TensorInit[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  opset: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  metadata?: Record<string, string>;
}

const AttrType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

function encodeTensor(t: TensorInit): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType);
  w.string(8, t.name);
  w.bytes(9, t.raw);
  return w;
}

function encodeAttribute(name: string, v: AttributeValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: use { float } for non-integers`);
    w.int(3, v).int(20, AttrType.INT);
  } else if (typeof v === 'string') {
    w.string(4, v).int(20, AttrType.STRING);
  } else if (Array.isArray(v)) {
    for (const x of v) w.int(8, x);
    w.int(20, AttrType.INTS);
  } else if ('float' in v) {
    w.float(2, v.float).int(20, AttrType.FLOAT);
  } else {
    for (const x of v.floats) w.float(7, x);
    w.int(20, AttrType.FLOATS);
  }
  return w;
}

function encodeNode(n: NodeDef): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.message(5, encodeAttribute(k, v));
  return w;
}

function encodeValueInfo(v: ValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, v.elemType).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, type);
}

export function encodeModel(m: ModelDef): Uint8Array {
  const g = new ProtoWriter();
  for (const n of m.nodes) g.message(1, encodeNode(n));
  g.string(2, m.graphName);
  for (const t of m.initializers) g.message(5, encodeTensor(t));
  for (const i of m.inputs) g.message(11, encodeValueInfo(i));
  for (const o of m.outputs) g.message(12, encodeValueInfo(o));
  const model = new ProtoWriter()
    .int(1, 8)
    .string(2, m.producerName)
    .string(3, m.producerVersion)
    .message(7, g)
    .message(8, new ProtoWriter().string(1, '').int(2, m.opset));
  if (m.docString) model.string(6, m.docString);
  for (const [k, v] of Object.entries(m.metadata ?? {}))
    model.message(14, new ProtoWriter().string(1, k).string(2, v));
  return model.finish();
}
