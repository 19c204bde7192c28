import { defineConfig } from '@playwright/test';

// Debian's Chromium (Playwright cannot download its own here), headless, with WebGPU on SwiftShader.
const CHROMIUM = process.env.TESSERA_CHROMIUM ?? '/usr/bin/chromium';
const PORT = Number(process.env.TESSERA_E2E_PORT ?? 4317);

export default defineConfig({
  testDir: 'e2e',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}/tessera/`,
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--enable-unsafe-webgpu',
        '--enable-unsafe-swiftshader',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  // The built site on a plain static server under a sub-path: what a deployer gets.
  webServer: {
    command: `npx vite build && node scripts/serve-dist.mjs ${PORT} --base /tessera/`,
    url: `http://127.0.0.1:${PORT}/tessera/`,
    reuseExistingServer: !process.env.CI,
    timeout: 180_000,
  },
});
