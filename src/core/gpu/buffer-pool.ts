/**
 * Storage buffers recycled by size class. A training step allocates the same sizes every iteration, so
 * after the first step nothing is created. Classes: 256-byte steps up to 64 KiB, then 1/8 of the power of
 * two (at most 12.5 % slack).
 */
export function sizeClass(bytes: number): number {
  const b = Math.max(bytes, 16);
  if (b <= 65536) return Math.ceil(b / 256) * 256;
  const step = 2 ** (Math.floor(Math.log2(b)) - 3);
  return Math.ceil(b / step) * step;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  pooledBytes = 0;
  liveBytes = 0;
  peakBytes = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly maxBufferSize: number,
  ) {}

  acquire(bytes: number): { buffer: GPUBuffer; size: number } {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    let buffer = list?.pop();
    if (buffer) {
      this.pooledBytes -= size;
    } else {
      if (size > this.maxBufferSize)
        throw new Error(`a ${(size / 2 ** 20).toFixed(0)} MiB tensor exceeds the adapter's buffer limit`);
      buffer = this.device.createBuffer({
        size,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
    }
    this.liveBytes += size;
    this.peakBytes = Math.max(this.peakBytes, this.liveBytes + this.pooledBytes);
    return { buffer, size };
  }

  giveBack(buffer: GPUBuffer, size: number): void {
    this.liveBytes -= size;
    this.pooledBytes += size;
    const list = this.free.get(size);
    if (list) list.push(buffer);
    else this.free.set(size, [buffer]);
  }

  /** Destroy every pooled buffer (live ones stay). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.pooledBytes = 0;
  }
}
