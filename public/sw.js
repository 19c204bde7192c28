// Tessera's service worker: offline use after the first visit, and cross-origin isolation (COOP/COEP)
// on static hosts that cannot set headers, so onnxruntime-web can use wasm threads. It only ever
// touches same-origin GET requests: nothing here talks to any other origin.
//
// At install it caches everything in precache-manifest.json (written by the build: page, scripts,
// workers, wasm, built-in models, demo scans), so every mode works offline after one visit, not only
// what that visit happened to fetch.
const PRECACHE = 'tessera-precache-';
const RUNTIME = 'tessera-runtime';
const META = 'tessera-meta';

async function precache() {
  const response = await fetch('precache-manifest.json', { cache: 'no-store' });
  if (!response.ok) return; // a dev server: nothing to precache
  const manifest = await response.json();
  const cache = await caches.open(PRECACHE + manifest.version);
  const scope = self.registration.scope;
  await cache.addAll(manifest.files.map((f) => new Request(new URL(f, scope), { cache: 'reload' })));
  const meta = await caches.open(META);
  await meta.put('version', new Response(manifest.version));
}

async function dropOldCaches() {
  const meta = await caches.open(META);
  const current = await (await meta.match('version'))?.text();
  for (const name of await caches.keys())
    if ((name.startsWith(PRECACHE) && name !== PRECACHE + current) || name === 'tessera-v1')
      await caches.delete(name);
}

self.addEventListener('install', (event) => event.waitUntil(precache().then(() => self.skipWaiting())));
self.addEventListener('activate', (event) =>
  event.waitUntil(dropOldCaches().then(() => self.clients.claim())),
);

function isolate(response) {
  if (!response || response.status === 0 || response.type === 'opaque') return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function cached(request) {
  // a navigation to the app (…/ or …/index.html?x) is the cached page
  return (
    (await caches.match(request, { ignoreSearch: true })) ??
    (request.mode === 'navigate'
      ? await caches.match(new URL('./', self.registration.scope).href)
      : undefined)
  );
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  // Hashed build assets never change: cache first. Everything else: network first, cache as fallback.
  const immutable = /\/assets\//.test(url.pathname);
  event.respondWith(
    (async () => {
      if (immutable) {
        const hit = await cached(request);
        if (hit) return isolate(hit);
      }
      try {
        const response = await fetch(request);
        if (response.ok && response.type === 'basic') {
          const copy = response.clone();
          caches
            .open(RUNTIME)
            .then((c) => c.put(request, copy))
            .catch(() => {});
        }
        return isolate(response);
      } catch {
        const hit = await cached(request);
        if (hit) return isolate(hit);
        // Not cached either: a clear 504 at once, which callers turn into one line naming the file.
        return new Response(`${url.pathname.split('/').pop()} is not available offline`, {
          status: 504,
          statusText: 'not available offline',
        });
      }
    })(),
  );
});
