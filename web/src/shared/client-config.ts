/** What `GET /v1/client-config` tells a page before its first call. */
export interface ClientConfig {
  /** `dev`: no keys, the visitor names itself; `api-key`: ask for a key once. */
  auth: 'dev' | 'api-key';
  devMode: boolean;
  business: { name: string };
  maxMessageChars: number;
}

export async function loadClientConfig(baseUrl: string, doFetch: typeof fetch = (i, n) => fetch(i, n)): Promise<ClientConfig> {
  const response = await doFetch(new URL('/v1/client-config', baseUrl).toString(), { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`the server answered ${response.status} for its client settings`);
  return (await response.json()) as ClientConfig;
}
