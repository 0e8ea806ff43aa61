import { AdminGate } from '../shared/admin-gate.js';
import { startPage } from '../shared/page-main.js';
import { OpsView } from './ops-view.js';

/** `/ops`: the live view of capacity. */
void startPage(({ baseUrl, config, saved }) => {
  document.title = `Live view — ${config.business.name}`;
  return (
    <AdminGate baseUrl={baseUrl} config={config} saved={saved} title="Live view">
      {(api, onAuthFailed) => <OpsView api={api} onAuthFailed={onAuthFailed} />}
    </AdminGate>
  );
});
