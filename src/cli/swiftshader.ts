import fs from 'node:fs';
import path from 'node:path';

/**
 * Chromium's SwiftShader Vulkan driver (Debian's chromium package): a software GPU that Dawn (npm `webgpu`,
 * and onnxruntime-node's WebGPU EP) can use in Node on a machine without one.
 */
export const SWIFTSHADER_DIR = process.env.TESSERA_VULKAN_DIR ?? '/usr/lib/chromium';
export const SWIFTSHADER_ICD = path.join(SWIFTSHADER_DIR, 'vk_swiftshader_icd.json');

/** Whether the driver and the Vulkan loader shipped beside it are there. */
export function swiftShaderPresent(): boolean {
  return fs.existsSync(SWIFTSHADER_ICD) && fs.existsSync(path.join(SWIFTSHADER_DIR, 'libvulkan.so.1'));
}

/**
 * The environment of a child process that sees SwiftShader: the dynamic linker reads LD_LIBRARY_PATH and
 * the Vulkan loader VK_ICD_FILENAMES only at process start, so a running process cannot switch to it.
 */
export function swiftShaderEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const ld = env.LD_LIBRARY_PATH;
  return {
    ...env,
    LD_LIBRARY_PATH: ld ? `${SWIFTSHADER_DIR}:${ld}` : SWIFTSHADER_DIR,
    VK_ICD_FILENAMES: SWIFTSHADER_ICD,
  };
}
