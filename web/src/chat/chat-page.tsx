import { render } from 'preact';
import { loadClientConfig } from '../shared/client-config.js';
import { savedFor } from '../shared/saved.js';
import { ChatApp } from './chat-app.js';

/** `/`: the chat, full page, talking to the server that served it. */
async function main(): Promise<void> {
  const root = document.getElementById('app')!;
  const baseUrl = location.origin;
  try {
    const config = await loadClientConfig(baseUrl);
    document.title = `Chat with ${config.business.name}`;
    render(<ChatApp baseUrl={baseUrl} config={config} saved={savedFor(baseUrl)} headingLevel={1} />, root);
  } catch (error) {
    root.textContent = `Concierge is not reachable right now (${error instanceof Error ? error.message : String(error)}). Please reload the page in a moment.`;
  }
}

void main();
