import type { FileSink, FileTree } from '../../src/core/dataset/file-tree';

/** A FileTree over bytes in memory. */
export function memoryTree(
  name: string,
  files: Record<string, Uint8Array>,
  folders: string[] = [],
): FileTree {
  return {
    name,
    list: () => Object.keys(files),
    folders: () => folders,
    async read(p) {
      const b = files[p];
      if (!b) throw new Error(`${name}/${p} not in the test tree`);
      return b.slice();
    },
  };
}

/** A FileSink that keeps what it is given. */
export function memorySink(): FileSink & { files: Map<string, Uint8Array>; folders: string[] } {
  const files = new Map<string, Uint8Array>();
  const folders: string[] = [];
  return {
    files,
    folders,
    async file(p, bytes) {
      files.set(p, bytes);
    },
    async folder(p) {
      folders.push(p);
    },
  };
}
