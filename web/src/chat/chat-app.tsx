import { Client } from '@langchain/langgraph-sdk/client';
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ClientConfig } from '../shared/client-config.js';
import { KeyForm } from '../shared/key-form.js';
import { createJsonApi } from '../shared/json-api.js';
import type { Saved } from '../shared/saved.js';
import { waitInWords } from '../shared/words.js';
import { BookingCard } from './booking-card.js';
import { ChatSession, type AgentClient, type ChatState, type Notice } from './chat-session.js';
import { failureInWords } from './error-words.js';
import { transcriptFrom, type WireMessage } from './transcript.js';

export interface ChatAppProps {
  baseUrl: string;
  config: ClientConfig;
  saved: Saved;
  /** The full page shows an h1; the widget sits inside someone else's page. */
  headingLevel: 1 | 2;
}

type Identity = { kind: 'dev'; name: string } | { kind: 'key'; key: string };

/** What a dev-mode server accepts as x-customer-id (src/server/auth.ts). */
const NAME_PATTERN = '[A-Za-z0-9._:@\\-]{1,64}';

function initialIdentity(config: ClientConfig, saved: Saved): Identity | undefined {
  if (config.auth === 'dev') {
    let name = saved.get('name');
    if (!name) {
      name = `guest-${Math.random().toString(36).slice(2, 8)}`;
      saved.set('name', name);
    }
    return { kind: 'dev', name };
  }
  const key = saved.get('apiKey');
  return key ? { kind: 'key', key } : undefined;
}

function createSession(baseUrl: string, identity: Identity, saved: Saved): ChatSession {
  // The SDK's own client, as any program would use it. Its retries are off: this page decides
  // when to try again (Retry-After, reconnects), and the SDK would retry a 503 blindly.
  const client = new Client({
    apiUrl: baseUrl,
    apiKey: identity.kind === 'key' ? identity.key : null,
    defaultHeaders: identity.kind === 'dev' ? { 'x-customer-id': identity.name } : {},
    callerOptions: { maxRetries: 0 },
  });
  return new ChatSession({
    client: client as unknown as AgentClient,
    saved,
    threadKey: identity.kind === 'dev' ? `thread:name:${identity.name}` : `thread:key:${identity.key.slice(0, 8)}`,
    online: () => new Promise((resolve) => addEventListener('online', () => resolve(), { once: true })),
  });
}

function useSessionState(session: ChatSession | undefined): ChatState | undefined {
  const [state, setState] = useState(session?.state);
  useEffect(() => {
    setState(session?.state);
    return session?.subscribe(setState);
  }, [session]);
  return state;
}

function localToday(): string {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}

/** The customer chat: the same component on `/` and in the embeddable widget. */
export function ChatApp({ baseUrl, config, saved, headingLevel }: ChatAppProps) {
  const [identity, setIdentity] = useState<Identity | undefined>(() => initialIdentity(config, saved));
  const session = useMemo(() => (identity ? createSession(baseUrl, identity, saved) : undefined), [identity]);
  const state = useSessionState(session);
  const api = useMemo(() => createJsonApi({ baseUrl, headers: () => ({}) }), [baseUrl]);
  const [unreachable, setUnreachable] = useState(false);
  const [keyRefused, setKeyRefused] = useState(false);
  const [draft, setDraft] = useState('');
  const messageId = useId();
  const logRef = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    if (!session) return;
    let stopped = false;
    // The server may be starting or briefly away: keep trying to open the thread.
    const open = async (waitMs: number): Promise<void> => {
      try {
        await session.open();
        if (!stopped) setUnreachable(false);
      } catch {
        if (stopped) return;
        setUnreachable(true);
        await new Promise((r) => setTimeout(r, waitMs));
        if (!stopped) return open(Math.min(waitMs * 2, 10_000));
      }
    };
    void open(1000);
    return () => {
      stopped = true;
    };
  }, [session]);

  useEffect(() => {
    if (state?.unsent !== undefined) {
      setDraft(state.unsent);
      session?.clearUnsent();
    }
  }, [state?.unsent]);

  useEffect(() => {
    if (state?.needsKey) {
      saved.set('apiKey', undefined);
      setKeyRefused(true);
      setIdentity(undefined);
    }
  }, [state?.needsKey]);

  const items = useMemo(() => {
    if (!state) return [];
    const pending: WireMessage[] = state.pending ? [{ type: 'human', id: state.pending.id, content: state.pending.text }] : [];
    return transcriptFrom([...state.messages, ...pending, ...state.live]);
  }, [state?.messages, state?.live, state?.pending]);

  // Follow the conversation unless the reader has scrolled up to read something.
  useLayoutEffect(() => {
    const log = logRef.current;
    if (log && stick.current) log.scrollTop = log.scrollHeight;
  }, [items]);

  const Heading = headingLevel === 1 ? 'h1' : 'h2';
  const busy = state?.busy ?? false;
  const send = (text: string) => void session?.send(text);

  if (!identity) {
    return (
      <div class="concierge-chat">
        <header class="chat-header">
          <Heading>{config.business.name}</Heading>
        </header>
        <KeyForm
          label="Access key"
          intro="Enter the access key you were given to chat with us. It is kept in this browser."
          problem={keyRefused ? failureInWords({ code: 'UNAUTHENTICATED', message: '' }) : undefined}
          onKey={(key) => {
            saved.set('apiKey', key);
            setKeyRefused(false);
            setIdentity({ kind: 'key', key });
          }}
        />
      </div>
    );
  }

  return (
    <div class="concierge-chat">
      <header class="chat-header">
        <Heading>{config.business.name}</Heading>
        <div class="chat-tools">
          {identity.kind === 'dev' && (
            <NameForm
              name={identity.name}
              onName={(name) => {
                saved.set('name', name);
                setIdentity({ kind: 'dev', name });
              }}
            />
          )}
          <button type="button" class="secondary" disabled={busy} onClick={() => void session?.newConversation()}>
            New conversation
          </button>
        </div>
      </header>
      <div
        class="chat-log"
        role="log"
        aria-label="Conversation"
        aria-busy={busy}
        tabIndex={0}
        ref={logRef}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {items.length === 0 && <p class="hint">Ask about our services, prices and free times, or book an appointment.</p>}
        {items.map((item) =>
          item.kind === 'booking' ? (
            <BookingCard key={item.key} booking={item.booking} api={api} busy={busy} send={send} today={localToday()} />
          ) : (
            <p key={item.key} class={`bubble ${item.kind}`}>
              <span class="sr-only">{item.kind === 'user' ? 'You: ' : 'Concierge: '}</span>
              {item.text}
            </p>
          ),
        )}
      </div>
      <div class="chat-status" role="status">
        {busy && !state?.notice && (
          <span class="typing">
            Concierge is typing<span class="dots" aria-hidden="true" />
          </span>
        )}
        {unreachable && !state?.notice && 'Cannot reach Concierge. Trying again…'}
        {state?.notice && state.notice.kind !== 'failed' && <NoticeText notice={state.notice} />}
      </div>
      {state?.notice?.kind === 'failed' && (
        <p class="chat-error" role="alert">
          {failureInWords(state.notice.failure, { maxMessageChars: config.maxMessageChars })}
        </p>
      )}
      <form
        class="composer"
        onSubmit={(event) => {
          event.preventDefault();
          if (busy || !draft.trim()) return;
          send(draft);
          setDraft('');
        }}
      >
        <label for={messageId} class="sr-only">
          Message
        </label>
        <textarea
          id={messageId}
          rows={2}
          maxLength={config.maxMessageChars}
          placeholder="Type your message"
          value={draft}
          onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            // Enter sends, Shift+Enter starts a new line, as in every chat.
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              (e.currentTarget as HTMLTextAreaElement).form?.requestSubmit();
            }
          }}
        />
        <button type="submit" disabled={busy}>
          Send
        </button>
      </form>
    </div>
  );
}

function NoticeText({ notice }: { notice: Notice }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  if (notice.kind === 'reconnecting') return <span>Connection lost. Reconnecting…</span>;
  if (notice.kind === 'busy') return <span>Concierge is very busy right now. Trying again {waitInWords(Math.max(0, notice.retryAt - Date.now()))}…</span>;
  return null;
}

/** Dev mode: who the visitor is (their customer id), and a way to be someone else. */
function NameForm({ name, onName }: { name: string; onName: (name: string) => void }) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(name);
  const id = useId();
  if (!editing) {
    return (
      <p class="name-form">
        <span>
          You are <strong>{name}</strong>
        </span>
        <button type="button" class="secondary" onClick={() => setEditing(true)}>
          Change name
        </button>
      </p>
    );
  }
  return (
    <form
      class="name-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (!value || !(event.currentTarget as HTMLFormElement).checkValidity()) return;
        setEditing(false);
        if (value !== name) onName(value);
      }}
    >
      <label for={id}>Your name</label>
      <input id={id} value={value} pattern={NAME_PATTERN} required title="Letters, digits and . _ : @ - (no spaces)" size={12} autoFocus onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
      <button type="submit">Switch</button>
      <button type="button" class="secondary" onClick={() => setEditing(false)}>
        Keep
      </button>
    </form>
  );
}
