import { useEffect, useState } from 'preact/hooks';
import { AdminGate } from '../shared/admin-gate.js';
import type { JsonApi } from '../shared/json-api.js';
import { startPage } from '../shared/page-main.js';
import { OwnerConsole } from './owner-console.js';
import type { Business } from './owner-types.js';

function WithBusiness({ api, onAuthFailed }: { api: JsonApi; onAuthFailed: () => void }) {
  const [business, setBusiness] = useState<Business | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  useEffect(() => {
    api.get<Business>('/v1/business').then(setBusiness, (error: Error) => setProblem(error.message));
  }, [api]);
  if (problem) return <p class="problem" role="alert">{problem}</p>;
  if (!business) return <p class="hint">Loading…</p>;
  return <OwnerConsole api={api} business={business} onAuthFailed={onAuthFailed} />;
}

/** `/owner`: the owner's console. */
void startPage(({ baseUrl, config, saved }) => {
  document.title = `Bookings — ${config.business.name}`;
  return (
    <AdminGate baseUrl={baseUrl} config={config} saved={saved} title="Owner's console">
      {(api, onAuthFailed) => <WithBusiness api={api} onAuthFailed={onAuthFailed} />}
    </AdminGate>
  );
});
