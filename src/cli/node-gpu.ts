import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { Backend } from '../core/engine/backend';
import { CpuBackend } from '../core/engine/cpu/cpu-backend';
import { WebGpuBackend } from '../core/engine/webgpu/webgpu-backend';
import { TesseraError } from '../core/errors';
import { type GpuContext, openGpu } from '../core/gpu/device';
import { swiftShaderEnv, swiftShaderPresent } from './swiftshader';

const REEXEC_FLAG = 'TESSERA_WEBGPU_REEXEC';

/**
 * A WebGPU device in Node through the `webgpu` package (Dawn). Without a Vulkan driver on the library
 * path, and with Chromium's SwiftShader present, the command is re-run once in a child process with
 * LD_LIBRARY_PATH/VK_ICD_FILENAMES set (the dynamic linker reads them only at start): `reexec` is then
 * the child's exit status and the caller should return it.
 */
export async function openNodeGpu(allowReexec = true): Promise<{ gpu: GpuContext } | { reexec: number }> {
  let mod: { create(o: string[]): GPU; globals: object };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch {
    throw new TesseraError(
      'unsupported-format',
      'WebGPU',
      "in Node it needs the 'webgpu' package (npm i webgpu)",
    );
  }
  Object.assign(globalThis, mod.globals);
  const canReexec = allowReexec && !process.env[REEXEC_FLAG] && swiftShaderPresent();
  // no system Vulkan loader: go straight to SwiftShader (Dawn would print a loader warning first)
  if (canReexec && !vulkanLoaderPresent()) return { reexec: reexecWithSwiftShader() };
  try {
    return { gpu: await openGpu(mod.create([])) };
  } catch (e) {
    if (!canReexec) throw e;
    return { reexec: reexecWithSwiftShader() };
  }
}

/** The engine's WebGPU backend in Node (see openNodeGpu). */
export async function openNodeWebGpu(
  allowReexec = true,
): Promise<{ backend: WebGpuBackend } | { reexec: number }> {
  const r = await openNodeGpu(allowReexec);
  return 'reexec' in r ? r : { backend: new WebGpuBackend(r.gpu) };
}

/** Whether the dynamic linker can find a Vulkan loader (libvulkan.so.1) on its usual paths. */
function vulkanLoaderPresent(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
  ];
  return dirs.some((d) => fs.existsSync(`${d}/libvulkan.so.1`));
}

/** Runs this command again in a child whose dynamic linker sees SwiftShader; returns its exit status. */
function reexecWithSwiftShader(): number {
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...swiftShaderEnv(), [REEXEC_FLAG]: '1' },
  });
  return r.status ?? 2;
}

export type BackendChoice = 'auto' | 'webgpu' | 'cpu';

export function parseBackendChoice(v: string | undefined, command: string): BackendChoice {
  const c = v ?? 'auto';
  if (c !== 'auto' && c !== 'webgpu' && c !== 'cpu')
    throw new TesseraError(
      'bad-argument',
      `tessera ${command}`,
      `--backend must be auto, webgpu or cpu (got ${c})`,
    );
  return c;
}

/**
 * The engine backend for a CLI command. auto: WebGPU on a hardware adapter, else the CPU twin (with a note
 * on stderr) — a software adapter (SwiftShader) trains slower than the CPU twin. webgpu: any adapter,
 * Chromium's SwiftShader included.
 */
export async function openBackend(
  choice: BackendChoice,
  note: (s: string) => void,
): Promise<{ backend: Backend } | { reexec: number }> {
  if (choice === 'cpu') return { backend: new CpuBackend() };
  if (choice === 'webgpu') return openNodeWebGpu();
  if (!vulkanLoaderPresent()) {
    // Dawn reaches GPUs through Vulkan on Linux: without its loader only a software adapter could appear
    note(
      'no Vulkan driver (libvulkan.so.1) found; using the CPU backend (--backend webgpu forces SwiftShader)\n',
    );
    return { backend: new CpuBackend() };
  }
  try {
    const r = await openNodeWebGpu(false);
    if ('reexec' in r || !r.backend.ctx.software) return r;
    note(
      `WebGPU adapter is software (${r.backend.ctx.description}); using the CPU backend (--backend webgpu forces it)\n`,
    );
    r.backend.dispose();
  } catch (e) {
    note(`WebGPU unavailable (${(e as Error).message.split('\n')[0]}); using the CPU backend\n`);
  }
  return { backend: new CpuBackend() };
}
