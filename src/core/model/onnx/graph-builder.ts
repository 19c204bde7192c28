import { floatToHalfBits } from '../../pycompat/float16';
import { type AttributeValue, DataType, type NodeDef, type TensorInit } from './onnx-proto';

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function toHalfArray(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = floatToHalfBits(src[i]);
  return out;
}

/**
 * Collects nodes and initializers for one ONNX graph. Float weights are stored in the graph's compute
 * precision (fp16 for the half variant); shape constants are int64.
 */
export class GraphBuilder {
  readonly nodes: NodeDef[] = [];
  readonly initializers: TensorInit[] = [];
  private readonly used = new Set<string>();

  constructor(readonly precision: 'fp32' | 'fp16') {}

  get floatType() {
    return this.precision === 'fp16' ? DataType.FLOAT16 : DataType.FLOAT;
  }

  private unique(name: string): string {
    let n = name;
    for (let i = 1; this.used.has(n); i++) n = `${name}_${i}`;
    this.used.add(n);
    return n;
  }

  /** A float initializer (converted to fp16 in the half variant). */
  weight(name: string, data: Float32Array, dims: number[]): string {
    const n = this.unique(name);
    const raw = this.precision === 'fp16' ? bytesOf(toHalfArray(data)) : bytesOf(data);
    this.initializers.push({ name: n, dataType: this.floatType, dims, raw });
    return n;
  }

  int64(name: string, values: number[]): string {
    const n = this.unique(name);
    const raw = bytesOf(BigInt64Array.from(values, (v) => BigInt(v)));
    this.initializers.push({ name: n, dataType: DataType.INT64, dims: [values.length], raw });
    return n;
  }

  /** Add a node; returns its (single) output name. */
  node(
    opType: string,
    inputs: string[],
    name: string,
    attributes?: Record<string, AttributeValue>,
    output?: string,
  ): string {
    const nodeName = this.unique(name);
    const out = output ?? this.unique(`${nodeName}_out`);
    if (output) this.used.add(output);
    this.nodes.push({ opType, inputs, outputs: [out], name: nodeName, attributes });
    return out;
  }
}
