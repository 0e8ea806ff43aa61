import type { Service } from './business.js';

/** Words customers add around a service name that say nothing about which one they mean. */
const FILLER = new Set(['a', 'an', 'the', 'my', 'for', 'and', 'with', 'of', 'appointment', 'appointments', 'session', 'service', 'please', 'book', 'booking']);

function words(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((w) => w !== '' && !FILLER.has(w))
    .map((w) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w));
}

export type ServiceMatch = { kind: 'found'; service: Service } | { kind: 'ambiguous'; candidates: Service[] } | { kind: 'none' };

/**
 * Resolve what a customer or a model wrote ("classic-haircut", "Classic Haircut",
 * "haircut", "a beard trim please") to one service. Exact id or name first; otherwise the
 * services whose words cover the most of the query's words (plurals folded, "hair cut"
 * matching "haircut"). A tie is ambiguous rather than a guess: booking the wrong service
 * is worse than asking.
 */
export function matchService(services: readonly Service[], query: string): ServiceMatch {
  const wanted = query.trim().toLowerCase();
  if (wanted === '') return { kind: 'none' };
  const exact = services.find((s) => s.id === wanted || s.name.toLowerCase() === wanted);
  if (exact) return { kind: 'found', service: exact };
  const queryWords = words(query);
  if (queryWords.length === 0) return { kind: 'none' };
  const compactQuery = queryWords.join('');
  let best: Service[] = [];
  let bestScore = 0;
  for (const service of services) {
    const serviceWords = new Set([...words(service.name), ...words(service.id.replace(/-/g, ' '))]);
    const compactName = words(service.name).join('');
    if (compactName === compactQuery) return { kind: 'found', service };
    let hits = queryWords.filter((w) => serviceWords.has(w)).length;
    // "haircut" inside "classichaircut", "hair cut" inside "classic haircut".
    if (hits === 0 && compactQuery.length >= 4 && compactName.includes(compactQuery)) hits = queryWords.length;
    if (hits === 0) continue;
    const score = hits / queryWords.length;
    if (score > bestScore + 1e-9) {
      best = [service];
      bestScore = score;
    } else if (Math.abs(score - bestScore) <= 1e-9) {
      best.push(service);
    }
  }
  if (best.length === 1) return { kind: 'found', service: best[0]! };
  if (best.length > 1) return { kind: 'ambiguous', candidates: best };
  return { kind: 'none' };
}
