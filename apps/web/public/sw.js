// FanMesh service worker: the app shell is cached so the app opens offline (the fan's tickets are
// saved by the app itself, per signed-in address, and forgotten on sign-out).
// API answers are cached only when they are the same for everyone: the public venue and event
// catalog, asked without credentials. Anything asked with a token or a key (tickets, coupon codes,
// balances) goes to the network only: a cache keyed by URL would hand one person's answers to the
// next person on the same phone.
const SHELL = 'fanmesh-shell-v2';
const PUBLIC_DATA = 'fanmesh-public-v3';
const PUBLIC_API = /^\/api\/v1\/(venues|events)(\/[0-9a-f-]{36})?$/;

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

// The app is split by area: the page names the chunks it loaded (its area's, which the shell's HTML
// does not list), so they are kept too and that area opens offline.
self.addEventListener('message', (event) => {
  if (event.data?.type !== 'cache-assets' || !Array.isArray(event.data.urls)) return;
  const own = event.data.urls.filter(
    (u) => typeof u === 'string' && new URL(u, self.location.origin).origin === self.location.origin && new URL(u, self.location.origin).pathname.startsWith('/assets/'),
  );
  event.waitUntil(caches.open(SHELL).then((c) => Promise.all(own.map((u) => c.match(u).then((hit) => hit || c.add(u).catch(() => undefined))))));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      // Older workers kept every API answer (fanmesh-data-v2): dropped here with any other old cache.
      .then((keys) => Promise.all(keys.filter((k) => k !== SHELL && k !== PUBLIC_DATA).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/ws')) return;
  if (url.pathname.startsWith('/api/')) {
    const credentialed = req.headers.has('authorization') || req.headers.has('x-api-key');
    if (credentialed || !PUBLIC_API.test(url.pathname)) return; // the network, never a cache
    event.respondWith(
      fetch(req)
        .then((res) => {
          // Clone now: once the page reads the body, a later clone would throw and nothing would be kept.
          if (res.ok && !/no-store|private/i.test(res.headers.get('cache-control') ?? '')) {
            const copy = res.clone();
            event.waitUntil(caches.open(PUBLIC_DATA).then((c) => c.put(req, copy)));
          }
          return res;
        })
        .catch(() =>
          caches
            .open(PUBLIC_DATA)
            .then((c) => c.match(req))
            .then((hit) => hit || Response.error()),
        ),
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
        fetch(req)
          .then((res) => {
            if (res.ok && (url.pathname.startsWith('/assets/') || url.pathname.startsWith('/icons/'))) {
              const copy = res.clone();
              event.waitUntil(caches.open(SHELL).then((c) => c.put(req, copy)));
            }
            return res;
          })
          .catch(() => Response.error()),
    ),
  );
});
