import { render, type ComponentChildren } from 'preact';
import { loadClientConfig, type ClientConfig } from './client-config.js';
import { savedFor, type Saved } from './saved.js';

/** Start a page served by the Concierge server: read its client settings, then render. */
export async function startPage(view: (context: { baseUrl: string; config: ClientConfig; saved: Saved }) => ComponentChildren): Promise<void> {
  const root = document.getElementById('app')!;
  const baseUrl = location.origin;
  try {
    const config = await loadClientConfig(baseUrl);
    root.textContent = '';
    render(view({ baseUrl, config, saved: savedFor(baseUrl) }), root);
  } catch (error) {
    root.textContent = `Concierge is not reachable right now (${error instanceof Error ? error.message : String(error)}). Please reload the page in a moment.`;
  }
}
