import { TesseraError } from '../errors';

/** A compute dispatch: WGSL source (shapes baked in as constants), its entry point and the workgroup grid. */
export interface Kernel {
  code: string;
  groups: number | [number, number, number];
  /** default `main` */
  entryPoint?: string;
}

/** Workgroup grid for `groups` workgroups: x up to 65 535, the rest in y (kernels linearise x + y·nx). */
export function grid(groups: number): [number, number, number] {
  const g = Math.max(1, Math.ceil(groups));
  if (g <= 65535) return [g, 1, 1];
  const y = Math.ceil(g / 65535);
  return [Math.ceil(g / y), y, 1];
}

/**
 * Records dispatches and copies into one command encoder (one compute pass between copies) and submits
 * them when something must reach the queue: an upload, a read, or `flush`. Pipelines are cached by WGSL
 * source; every kernel bakes its shapes in as constants, so the source is the key.
 */
export class Runner {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private error: Error | null = null;
  private lost = false;
  dispatches = 0;
  /** When set, every dispatch is also recorded (see replayTimed), for profiling. */
  recording: Array<{ kernel: Kernel; buffers: (GPUBuffer | null)[] }> | null = null;

  constructor(readonly device: GPUDevice) {
    device.lost.then((info) => {
      this.lost = true;
      this.error ??= new TesseraError('device-lost', 'WebGPU', `device lost: ${info.message || info.reason}`);
    });
    device.addEventListener('uncapturederror', (ev) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      const oom = e.constructor?.name === 'GPUOutOfMemoryError';
      this.error ??= oom
        ? new TesseraError('out-of-memory', 'WebGPU', 'out of GPU memory (use a smaller patch or batch)')
        : new Error(`WebGPU error: ${e.message}`);
    });
  }

  private pipeline(code: string, entryPoint = 'main'): GPUComputePipeline {
    const key = `${entryPoint}\n${code}`;
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ code });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint } });
      this.pipelines.set(key, p);
    }
    return p;
  }

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  private enc(): GPUCommandEncoder {
    this.check();
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /**
   * Bind buffers 0..n−1 in order (uniform, read-only or read-write as the shader declares; null leaves a binding
   * the entry point does not use) and dispatch.
   */
  run(kernel: Kernel, buffers: (GPUBuffer | null)[]): void {
    this.recording?.push({ kernel, buffers });
    const { code, groups } = kernel;
    const pipeline = this.pipeline(code, kernel.entryPoint);
    const entries: GPUBindGroupEntry[] = [];
    buffers.forEach((buffer, binding) => {
      if (buffer) entries.push({ binding, resource: { buffer } });
    });
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    if (!this.pass) this.pass = this.enc().beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    const [x, y, z] = typeof groups === 'number' ? grid(groups) : groups;
    this.pass.dispatchWorkgroups(x, y, z);
    this.dispatches++;
  }

  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    if (bytes === 0) return;
    this.endPass();
    this.enc().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  clear(buffer: GPUBuffer, bytes: number): void {
    this.clearRange(buffer, 0, Math.ceil(bytes / 4) * 4);
  }

  /** Zero `bytes` from `offset` (both multiples of 4). */
  clearRange(buffer: GPUBuffer, offset: number, bytes: number): void {
    this.endPass();
    this.enc().clearBuffer(buffer, offset, bytes);
  }

  /** Submit what was recorded. Must precede every queue.writeBuffer so the write lands after it. */
  flush(): void {
    this.endPass();
    if (this.encoder) {
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
    }
  }

  write(buffer: GPUBuffer, offset: number, data: ArrayBufferView): void {
    this.flush();
    this.device.queue.writeBuffer(buffer, offset, data.buffer, data.byteOffset, data.byteLength);
  }

  async read(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    const staging = this.device.createBuffer({
      size: Math.ceil(bytes / 4) * 4,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    this.copy(buffer, 0, staging, 0, Math.ceil(bytes / 4) * 4);
    this.flush();
    try {
      await keepAlive(staging.mapAsync(GPUMapMode.READ));
    } catch (e) {
      this.check();
      throw e;
    }
    const out = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    staging.destroy();
    this.check();
    return out;
  }

  /**
   * Profiling: runs each recorded dispatch again on its own and times it (wall clock, submit to done).
   * Buffer contents may have changed since; the work does not depend on them.
   */
  async replayTimed(): Promise<Array<{ kernel: Kernel; ms: number }>> {
    const rec = this.recording ?? [];
    this.recording = null;
    await this.sync();
    const out: Array<{ kernel: Kernel; ms: number }> = [];
    for (const r of rec) {
      const t0 = performance.now();
      this.run(r.kernel, r.buffers);
      await this.sync();
      out.push({ kernel: r.kernel, ms: performance.now() - t0 });
    }
    return out;
  }

  async sync(): Promise<void> {
    this.flush();
    await keepAlive(this.device.queue.onSubmittedWorkDone());
    this.check();
  }

  check(): void {
    if (this.error) throw this.error;
    if (this.lost) throw new TesseraError('device-lost', 'WebGPU', 'device lost');
  }
}

/**
 * Keeps a timer pending while a GPU promise is outstanding. Dawn's Node binding resolves map and
 * work-done promises from its own event processing, which does not keep Node's event loop alive on its
 * own; in browsers this is a no-op in effect.
 */
async function keepAlive<T>(p: Promise<T>): Promise<T> {
  const timer = setInterval(() => {}, 5);
  try {
    return await p;
  } finally {
    clearInterval(timer);
  }
}
