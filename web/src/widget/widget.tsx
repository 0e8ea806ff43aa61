import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ChatApp } from '../chat/chat-app.js';
import { loadClientConfig, type ClientConfig } from '../shared/client-config.js';
import { savedFor } from '../shared/saved.js';
import baseCss from '../../styles/base.css';
import chatCss from '../../styles/chat.css';
import widgetCss from '../../styles/widget.css';

/**
 * `<script src="https://concierge.example/widget.js" data-concierge-url="https://concierge.example" defer></script>`
 * puts a chat button on any page. The chat lives in a shadow root, so the host page's styles
 * and ours never touch; it talks to the Concierge server named by `data-concierge-url`
 * (default: where this script came from), which must allow the page's origin (--cors-origin).
 */
function serverUrl(script: HTMLScriptElement | null): string {
  const named = script?.dataset.conciergeUrl;
  const url = new URL(named || script?.src || location.href, location.href);
  return url.origin;
}

function Widget({ baseUrl }: { baseUrl: string }) {
  const [open, setOpen] = useState(false);
  const [config, setConfig] = useState<ClientConfig | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);

  // Nothing is fetched until the visitor opens the chat.
  useEffect(() => {
    if (!open || config) return;
    loadClientConfig(baseUrl)
      .then(setConfig)
      .catch((error: Error) => setProblem(`Chat is not available right now (${error.message}).`));
  }, [open]);

  useEffect(() => {
    if (open) panelRef.current?.querySelector<HTMLElement>('textarea, input, button')?.focus();
  }, [open, config]);

  const close = () => {
    setOpen(false);
    buttonRef.current?.focus();
  };

  return (
    <div class="concierge-widget">
      {open && (
        <div
          class="widget-panel"
          role="dialog"
          aria-label="Chat"
          ref={panelRef}
          onKeyDown={(e) => {
            if (e.key === 'Escape') close();
          }}
        >
          <button type="button" class="widget-close secondary" aria-label="Close chat" onClick={close}>
            ×
          </button>
          {config ? <ChatApp baseUrl={baseUrl} config={config} saved={savedFor(baseUrl)} headingLevel={2} /> : <p class="hint">{problem ?? 'Opening the chat…'}</p>}
        </div>
      )}
      <button type="button" class="widget-button" aria-expanded={open} ref={buttonRef} onClick={() => (open ? close() : setOpen(true))}>
        {open ? 'Close chat' : 'Chat with us'}
      </button>
    </div>
  );
}

function mount(): void {
  const script = document.currentScript as HTMLScriptElement | null;
  const baseUrl = serverUrl(script);
  const start = () => {
    const host = document.createElement('div');
    host.setAttribute('data-concierge-widget', '');
    document.body.appendChild(host);
    const shadow = host.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = `${baseCss}\n${chatCss}\n${widgetCss}`;
    shadow.appendChild(style);
    const root = document.createElement('div');
    shadow.appendChild(root);
    render(<Widget baseUrl={baseUrl} />, root);
  };
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start, { once: true });
}

mount();
