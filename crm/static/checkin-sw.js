// The check-in's service worker: keeps the check-in page of one meeting, its data (the invitees) and
// its assets, so the page opens at the door without network. Served by the route
// /termine/<id>/check-in/sw.js, which puts the settings in front of this file:
//   self.CHECKIN = {meetingId, version, page, data, assets: [...]}
// Network first (fresh list, fresh CSRF token), the kept copy when the network does not answer
// within a few seconds. Taps are not this worker's business: checkin.js queues and sends them.
/* global self, caches */

const settings = self.CHECKIN;
const PREFIX = "regionetz-checkin-" + settings.meetingId + "-";
const CACHE = PREFIX + settings.version;
const KEPT = [settings.page, settings.data].concat(settings.assets);
const NETWORK_WAIT_MS = 4000;

function pathOf(url) {
  return new URL(url, self.location.origin).pathname;
}

const keptPaths = new Set(KEPT.map(pathOf));

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => Promise.all(KEPT.map((url) => fetch(url, { credentials: "same-origin" })
        .then((response) => (isKeepable(response) ? cache.put(url, response) : null))
        .catch(() => null))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

// Only real answers are kept: not a login page reached by a redirect, not an error.
function isKeepable(response) {
  return response && response.ok && !response.redirected && response.type === "basic";
}

function fromCache(request) {
  return caches.open(CACHE).then((cache) => cache.match(pathOf(request.url), { ignoreSearch: true }))
    .then((response) => {
      if (!response) return null;
      const headers = new Headers(response.headers);
      headers.set("X-Checkin-Cache", "offline");
      return response.blob().then((body) => new Response(body, { status: response.status, headers }));
    });
}

function networkFirst(request) {
  const network = fetch(request).then((response) => {
    if (isKeepable(response)) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(pathOf(request.url), copy));
    }
    return response;
  });
  const slow = new Promise((resolve) => setTimeout(resolve, NETWORK_WAIT_MS));
  return Promise.race([network.catch(() => null), slow.then(() => null)]).then((response) => {
    if (response) return response;
    return fromCache(request).then((kept) => kept || network);
  });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !keptPaths.has(url.pathname)) return;
  event.respondWith(networkFirst(request));
});
