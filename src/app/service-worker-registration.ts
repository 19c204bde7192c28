/**
 * The service worker (public/sw.js) caches the app for offline use and, on hosts that cannot set
 * COOP/COEP headers, adds them so the page is cross-origin isolated (wasm threads). If isolation only
 * arrives with the worker, reload once.
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  const url = new URL('sw.js', document.baseURI);
  navigator.serviceWorker
    .register(url, { scope: './' })
    .then((reg) => {
      const reload = () => {
        if (!self.crossOriginIsolated && !sessionStorage.getItem('tessera-coi-reload')) {
          sessionStorage.setItem('tessera-coi-reload', '1');
          location.reload();
        }
      };
      if (reg.active && !navigator.serviceWorker.controller) reload();
      navigator.serviceWorker.addEventListener('controllerchange', reload);
    })
    .catch(() => {
      // No service worker (private mode, file://): the app still works, single-threaded and online only.
    });
}
