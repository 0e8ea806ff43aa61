/**
 * What a page remembers between visits (thread id, display name, keys), in localStorage
 * under one prefix per server, so a widget on a shop's site and the chat page never mix
 * up two servers. Storage may be unavailable (private mode, blocked cookies): the page then
 * works for the visit and forgets.
 */
export interface Saved {
  get(name: string): string | undefined;
  set(name: string, value: string | undefined): void;
}

export function savedFor(serverUrl: string, storage: Storage | undefined = safeLocalStorage()): Saved {
  const prefix = `concierge:${serverUrl}:`;
  const memory = new Map<string, string>();
  return {
    get(name) {
      try {
        return storage?.getItem(prefix + name) ?? memory.get(name);
      } catch {
        return memory.get(name);
      }
    },
    set(name, value) {
      if (value === undefined) memory.delete(name);
      else memory.set(name, value);
      try {
        if (value === undefined) storage?.removeItem(prefix + name);
        else storage?.setItem(prefix + name, value);
      } catch {
        // Quota or privacy settings: the in-memory copy still serves this visit.
      }
    },
  };
}

function safeLocalStorage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}
