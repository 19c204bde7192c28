// Bundles the CLI (and its export worker) into dist-cli/ with esbuild, so that `tessera` starts in ~0.2 s
// instead of ~0.9 s through tsx. Runs from `npm ci` (prepare). Optional: bin/tessera.mjs uses the bundle only
// while it is fresher than every source it was built from, else the sources through tsx, so a failed or
// stale build never changes behaviour; this script therefore warns and exits 0 on failure.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist-cli');

try {
  const { build } = await import('esbuild'); // tsx's own dependency
  const started = Date.now();
  // build next to the output, then swap it in: a concurrent `tessera` never sees half a bundle
  const tmp = `${out}.tmp-${process.pid}`;
  const result = await build({
    absWorkingDir: root,
    // the worker keeps its name: node-worker-pool.ts finds it beside the code that starts it
    entryPoints: { main: 'src/cli/main.ts', 'preprocess-node-worker': 'src/cli/preprocess-node-worker.ts' },
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    metafile: true,
    logLevel: 'warning',
  });
  // what bin/tessera.mjs checks: each source's size and modification time as the bundle read it
  const sources = {};
  for (const f of Object.keys(result.metafile.inputs)) {
    if (f.includes('node_modules')) continue;
    const st = fs.statSync(path.join(root, f));
    if (st.mtimeMs >= started) throw new Error(`${f} changed during the build`);
    sources[f] = [st.size, st.mtimeMs];
  }
  fs.writeFileSync(path.join(tmp, 'sources.json'), JSON.stringify(sources));
  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(tmp, out);
} catch (e) {
  console.warn(
    `note: the CLI bundle was not built (tessera runs its sources through tsx): ${e?.message ?? e}`,
  );
  for (const d of fs.readdirSync(root))
    if (d.startsWith('dist-cli.tmp-')) fs.rmSync(path.join(root, d), { recursive: true, force: true });
}
