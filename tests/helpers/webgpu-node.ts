import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SWIFTSHADER_DIR, swiftShaderEnv, swiftShaderPresent } from '../../src/cli/swiftshader';

/**
 * WebGPU in Node: Dawn (npm `webgpu`) on Chromium's SwiftShader Vulkan driver. The dynamic linker reads
 * LD_LIBRARY_PATH only at process start, so WebGPU checks run in a child process with it set; they are
 * skipped (with the reason) where Chromium's SwiftShader files are missing.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const webgpuNodeUnavailable: string | null = swiftShaderPresent()
  ? null
  : `no SwiftShader Vulkan driver at ${SWIFTSHADER_DIR} (install Debian's chromium)`;

/** Runs a TypeScript script (path relative to the repository root) in a WebGPU-ready child; parses its last JSON line. */
export function runWebgpuScript<T>(script: string, args: string[] = [], timeoutMs = 600_000): T {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, script), ...args], {
    cwd: ROOT,
    env: swiftShaderEnv(),
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 2 ** 20,
  });
  const lines = (r.stdout ?? '').trim().split('\n');
  const last = lines[lines.length - 1];
  if (r.status !== 0 || !last?.startsWith('{'))
    throw new Error(
      `${script} failed (status ${r.status}, signal ${r.signal}): ${(r.stderr ?? '').slice(-2000)}`,
    );
  return JSON.parse(last) as T;
}
