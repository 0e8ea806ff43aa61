import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import type { ClientConfig } from './client-config.js';
import { createJsonApi, type JsonApi } from './json-api.js';
import { KeyForm } from './key-form.js';
import type { Saved } from './saved.js';

/**
 * The owner's pages need an admin key, except on a dev-mode server (where every caller is an
 * admin). The key is asked for once and kept; a refusal forgets it and asks again.
 */
export function AdminGate({ baseUrl, config, saved, title, children }: { baseUrl: string; config: ClientConfig; saved: Saved; title: string; children: (api: JsonApi, onAuthFailed: () => void) => ComponentChildren }) {
  const [key, setKey] = useState<string | undefined>(() => (config.auth === 'dev' ? undefined : saved.get('adminKey')));
  const [refused, setRefused] = useState(false);
  const api = useMemo(() => createJsonApi({ baseUrl, headers: (): Record<string, string> => (key ? { 'x-api-key': key } : {}) }), [baseUrl, key]);
  if (config.auth === 'api-key' && !key) {
    return (
      <div class="gate">
        <h1>{title}</h1>
        <KeyForm
          label="Admin key"
          intro="This page is for the business owner. Enter an admin key; it is kept in this browser."
          problem={refused ? 'That key was not accepted as an admin key.' : undefined}
          onKey={(value) => {
            saved.set('adminKey', value);
            setRefused(false);
            setKey(value);
          }}
        />
      </div>
    );
  }
  return (
    <>
      {children(api, () => {
        saved.set('adminKey', undefined);
        setRefused(true);
        setKey(undefined);
      })}
    </>
  );
}
