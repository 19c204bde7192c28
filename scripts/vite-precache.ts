import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';

/**
 * Writes dist/precache-manifest.json — every file the app may need offline (page, scripts, workers, wasm,
 * built-in models, demo scans; not source maps) and a version that changes with any byte — which
 * public/sw.js fetches at install and caches whole, so one visit is enough to work without a network.
 */
export function precacheManifest(): Plugin {
  let outDir = 'dist';
  return {
    name: 'tessera-precache-manifest',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const files: string[] = [];
      const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
          const full = path.join(dir, e.name);
          if (e.isDirectory()) walk(full);
          else files.push(path.relative(outDir, full).split(path.sep).join('/'));
        }
      };
      walk(outDir);
      const cached = files
        .filter((f) => !f.endsWith('.map') && f !== 'sw.js' && f !== 'precache-manifest.json')
        .sort();
      const hash = createHash('sha256');
      for (const f of cached) hash.update(f).update(fs.readFileSync(path.join(outDir, f)));
      const manifest = { version: hash.digest('hex').slice(0, 16), files: ['./', ...cached] };
      fs.writeFileSync(path.join(outDir, 'precache-manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
    },
  };
}
