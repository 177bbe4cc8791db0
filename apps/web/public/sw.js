// FanMesh service worker: the app shell is cached so the app (and a loaded ticket) opens offline.
// API calls go to the network first and fall back to the last good answer for GETs.
const SHELL = 'fanmesh-shell-v2';
const DATA = 'fanmesh-data-v2';

// The shell and the hashed scripts and styles it loads, so a ticket opens offline even if this
// worker was installed after the page had already loaded them.
async function precache() {
  const cache = await caches.open(SHELL);
  const shell = await fetch('/', { cache: 'no-cache' });
  const html = await shell.clone().text();
  const assets = [...new Set(html.match(/\/assets\/[^"']+/g) ?? [])];
  await cache.put('/', shell);
  await cache.addAll(['/manifest.webmanifest', '/icons/icon.svg', '/icons/icon-192.png', ...assets]);
}

self.addEventListener('install', (event) => {
  event.waitUntil(precache());
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== SHELL && k !== DATA).map((k) => caches.delete(k)))).then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/ws')) return;
  if (url.pathname.startsWith('/api/')) {
    event.respondWith(
      fetch(req)
        .then((res) => {
          // Clone now: once the page reads the body, a later clone would throw and nothing would be kept.
          if (res.ok) {
            const copy = res.clone();
            event.waitUntil(caches.open(DATA).then((c) => c.put(req, copy)));
          }
          return res;
        })
        .catch(() => caches.match(req).then((hit) => hit || Response.error())),
    );
    return;
  }
  if (req.mode === 'navigate') {
    // The shell: network first so a new release shows at once, the cached copy when offline.
    event.respondWith(
      fetch(req)
        .then((res) => {
          if (res.ok) {
            const copy = res.clone();
            event.waitUntil(caches.open(SHELL).then((c) => c.put('/', copy)));
          }
          return res;
        })
        .catch(() => caches.match('/').then((hit) => hit || Response.error())),
    );
    return;
  }
  // Hashed assets and icons: cache first, then network (and keep what we fetched).
  event.respondWith(
    caches.match(req).then(
      (hit) =>
        hit ||
        fetch(req).then((res) => {
          if (res.ok && (url.pathname.startsWith('/assets/') || url.pathname.startsWith('/icons/'))) {
            const copy = res.clone();
            event.waitUntil(caches.open(SHELL).then((c) => c.put(req, copy)));
          }
          return res;
        }).catch(() => Response.error()),
    ),
  );
});
