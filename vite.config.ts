import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

// Cross-origin isolation lets onnxruntime-web use wasm threads (SharedArrayBuffer).
// Static hosts that cannot set headers get the same through public/coi-serviceworker.js.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

// Patient data never leaves the browser: the built page may only talk to its own origin. Dev builds skip
// it (Vite's hot reload needs inline scripts and a websocket).
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self' data: blob:",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

function contentSecurityPolicy(): Plugin {
  return {
    name: 'tessera-csp',
    apply: 'build',
    transformIndexHtml: (html) =>
      html.replace(
        '<head>',
        `<head>\n    <meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}" />`,
      ),
  };
}

/**
 * Writes dist/precache-manifest.json — every file the app may need offline (page, scripts, workers, wasm,
 * built-in models, demo scans; not source maps) and a version that changes with any byte — which
 * public/sw.js fetches at install and caches whole, so one visit is enough to work without a network.
 */
function precacheManifest(): Plugin {
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

export default defineConfig({
  // Relative asset URLs: dist/ works from any sub-path (/tessera/, /a/b/c/).
  base: './',
  plugins: [react(), contentSecurityPolicy(), precacheManifest()],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 4096 },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
