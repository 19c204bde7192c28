#!/usr/bin/env node
// The `tessera` command: the bundle in dist-cli/ (scripts/build-cli.mjs, built by `npm ci`) while it is
// fresher than every source it was built from; otherwise the TypeScript sources directly through tsx, so it
// works with no build step and right after any edit.
import fs from 'node:fs';

const root = new URL('../', import.meta.url);

/** The bundle's entry when it exists and every source it was built from is as it was (size, mtime). */
function freshBundle() {
  try {
    const sources = JSON.parse(fs.readFileSync(new URL('dist-cli/sources.json', root), 'utf8'));
    for (const [f, [size, mtimeMs]] of Object.entries(sources)) {
      const st = fs.statSync(new URL(f, root));
      if (st.size !== size || st.mtimeMs !== mtimeMs) return null;
    }
    return new URL('dist-cli/main.mjs', root);
  } catch {
    return null; // no bundle, or a source gone
  }
}

let entry = freshBundle();
if (!entry) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('src/cli/main.ts', root);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
