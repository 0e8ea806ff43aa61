import { startPage } from '../shared/page-main.js';
import { ChatApp } from './chat-app.js';

/** `/`: the chat, full page, talking to the server that served it. */
void startPage(({ baseUrl, config, saved }) => {
  document.title = `Chat with ${config.business.name}`;
  return <ChatApp baseUrl={baseUrl} config={config} saved={saved} headingLevel={1} />;
});
