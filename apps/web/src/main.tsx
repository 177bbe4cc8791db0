import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => undefined);
    // The area's chunks were loaded before the worker ran: name them to it so it keeps them for offline.
    const cacheLoaded = () =>
      navigator.serviceWorker.ready.then((reg) =>
        reg.active?.postMessage({
          type: 'cache-assets',
          urls: performance
            .getEntriesByType('resource')
            .map((e) => e.name)
            .filter((u) => new URL(u).pathname.startsWith('/assets/')),
        }),
      );
    void cacheLoaded();
    navigator.serviceWorker.addEventListener('controllerchange', () => void cacheLoaded());
  });
}
