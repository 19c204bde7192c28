// Tessera's service worker: offline use after the first visit, and cross-origin isolation (COOP/COEP)
// on static hosts that cannot set headers, so onnxruntime-web can use wasm threads. It only ever
// touches same-origin GET requests: nothing here talks to any other origin.
const CACHE = 'tessera-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

function isolate(response) {
  if (!response || response.status === 0 || response.type === 'opaque') return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  // Hashed build assets never change: cache first. Everything else: network first, cache as fallback.
  const immutable = /\/assets\//.test(url.pathname);
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      if (immutable) {
        const hit = await cache.match(request);
        if (hit) return isolate(hit);
      }
      try {
        const response = await fetch(request);
        if (response.ok && response.type === 'basic') cache.put(request, response.clone()).catch(() => {});
        return isolate(response);
      } catch (e) {
        const hit = await cache.match(request);
        if (hit) return isolate(hit);
        throw e;
      }
    })(),
  );
});
