import { useEffect, useState } from 'react';
import { forgetKey, storedKey, storeKey } from './api-client';
import { KeyForm } from './components/key-form';
import { AlertsPage } from './pages/alerts-page';
import { LiveTailPage } from './pages/live-tail-page';
import { OverviewPage } from './pages/overview-page';
import { RequestsPage } from './pages/requests-page';
import { UsagePage } from './pages/usage-page';

const PAGES = [
  { path: 'overview', label: 'Overview' },
  { path: 'requests', label: 'Requests' },
  { path: 'usage', label: 'Usage' },
  { path: 'alerts', label: 'Alerts' },
  { path: 'live', label: 'Live' },
] as const;

/** The page and the opened request, from the address's fragment: `#/requests/req-42`. */
function readLocation(): { page: string; id: string | null } {
  const [page, id] = window.location.hash.replace(/^#\/?/, '').split('/');
  return { page: PAGES.some((known) => known.path === page) ? page : 'overview', id: id ? decodeURIComponent(id) : null };
}

export function App() {
  const [key, setKey] = useState<string | null>(storedKey());
  const [location, setLocation] = useState(readLocation);

  useEffect(() => {
    const follow = () => setLocation(readLocation());
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);

  if (key === null) {
    return (
      <KeyForm
        onKey={(given) => {
          storeKey(given);
          setKey(given);
        }}
      />
    );
  }
  const openRequest = (id: string | null) => {
    window.location.hash = id ? `#/requests/${encodeURIComponent(id)}` : '#/requests';
  };
  return (
    <div className="shell">
      <nav>
        <span className="brand">Switchyard</span>
        {PAGES.map((page) => (
          <a key={page.path} href={`#/${page.path}`} className={location.page === page.path ? 'active' : undefined}>
            {page.label}
          </a>
        ))}
        <button
          type="button"
          className="sign-out"
          onClick={() => {
            forgetKey();
            setKey(null);
          }}
        >
          Forget key
        </button>
      </nav>
      <main>
        {location.page === 'overview' && <OverviewPage />}
        {location.page === 'requests' && <RequestsPage openId={location.id} onOpen={openRequest} />}
        {location.page === 'usage' && <UsagePage />}
        {location.page === 'alerts' && <AlertsPage />}
        {location.page === 'live' && <LiveTailPage onOpen={openRequest} />}
      </main>
    </div>
  );
}
