/**
 * A small protobuf *encoder* — the subset ONNX needs (varints, length-delimited fields, fixed32 floats).
 *
 * Why our own instead of protobufjs / onnx-proto: we only ever write a handful of ONNX messages, the encoding
 * is ~100 lines, and we need one property the general libraries do not give: tensor bytes (hundreds of MB of
 * weights) are referenced, not copied, until the single final concatenation. protobufjs would also add a
 * runtime dependency (and eval-based codegen) to the web bundle for what amounts to a serializer.
 *
 * A message is a list of chunks with a known total length, so nesting costs no copies.
 */
export class ProtoWriter {
  private parts: Uint8Array[] = [];
  private scratch: number[] = [];
  length = 0;

  private flushScratch() {
    if (this.scratch.length) {
      const b = Uint8Array.from(this.scratch);
      this.parts.push(b);
      this.length += b.length;
      this.scratch = [];
    }
  }

  private varint(v: number | bigint) {
    if (typeof v === 'bigint' || v < 0 || v > Number.MAX_SAFE_INTEGER) {
      // two's complement over 64 bits, as protobuf encodes negative int64
      let b = BigInt.asUintN(64, BigInt(v));
      while (b >= 0x80n) {
        this.scratch.push(Number(b & 0x7fn) | 0x80);
        b >>= 7n;
      }
      this.scratch.push(Number(b));
      return;
    }
    while (v >= 0x80) {
      this.scratch.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.scratch.push(v);
  }

  private key(field: number, wire: number) {
    this.varint(field * 8 + wire);
  }

  /** int32 / int64 / enum / bool */
  int(field: number, v: number | bigint): this {
    this.key(field, 0);
    this.varint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.scratch.push(...b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  /** Length-delimited bytes; large arrays are referenced, not copied. */
  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2);
    this.varint(b.length);
    if (b.length < 64) this.scratch.push(...b);
    else {
      this.flushScratch();
      this.parts.push(b);
      this.length += b.length;
    }
    return this;
  }

  message(field: number, m: ProtoWriter): this {
    m.flushScratch();
    this.key(field, 2);
    this.varint(m.length);
    this.flushScratch();
    this.parts.push(...m.parts);
    this.length += m.length;
    return this;
  }

  finish(): Uint8Array {
    this.flushScratch();
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
