import type { ServiceRef } from './tool-results.js';

/**
 * The service catalogue an agent may carry in its system prompt, read tolerantly:
 *
 *     Services (id: name, duration, price):
 *     - classic-haircut: Classic haircut, 30 min, $35 (up to 3 at once) — Wash, cut and style.
 *
 * A heading line starting with "Services" (markdown `#`, `*` or `**` allowed), then one
 * bullet per service until the first line that is not a bullet. The id, duration, price,
 * capacity and description are each optional, so small variations of the shape still
 * parse. Returns undefined when no heading with at least one service is found: the brain
 * then learns the services from a tool, as a model without the catalogue would.
 */
export function catalogueFromPrompt(text: string): ServiceRef[] | undefined {
  // Cheap pre-check: most prompts are read once per distinct text, but still skip the split.
  if (!/services/i.test(text)) return undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (!HEADING.test(lines[i] as string)) continue;
    const services: ServiceRef[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j] as string;
      const bullet = BULLET.exec(line);
      if (!bullet) {
        // A blank line between the heading and the first bullet is tolerated.
        if (services.length === 0 && line.trim() === '') continue;
        break;
      }
      const service = parseServiceLine(bullet[1] as string);
      if (service) services.push(service);
    }
    if (services.length > 0) return services;
  }
  return undefined;
}

const HEADING = /^\s*(?:#{1,6}\s*)?\**\s*services\b/i;
const BULLET = /^\s*(?:[-*•]|\d+[.)])\s+(.+?)\s*$/;
const ID = /^`?([a-z0-9][a-z0-9._-]*)`?\s*:\s*(.*)$/i;
const DURATION = /(\d+(?:\.\d+)?)\s*(?:min(?:ute)?s?|m)\b/i;
const HOURS = /(\d+(?:\.\d+)?)\s*(?:h|hrs?|hours?)\b/i;
const PRICE = /(?:\$|\bUSD)\s*(\d+(?:[.,]\d{1,2})?)|(\d+(?:[.,]\d{1,2})?)\s*(?:\$|USD\b|dollars?\b)/i;
/** A description after a dash: an em or en dash anywhere, a hyphen only when spaced. */
const DESCRIPTION = /\s+[—–]\s*|\s+-{1,2}\s+/;

/** One bullet: `<id>: <name>, <N> min, $<price> (up to <capacity> at once) — <description>`. */
export function parseServiceLine(line: string): ServiceRef | undefined {
  let rest = line.replace(/\*\*/g, '');
  let id: string | undefined;
  const idMatch = ID.exec(rest);
  if (idMatch) {
    id = idMatch[1];
    rest = idMatch[2] as string;
  }
  // The description comes last and may itself contain commas, numbers or dollar signs.
  const dash = DESCRIPTION.exec(rest);
  const facts = dash ? rest.slice(0, dash.index) : rest;
  const parts = facts.split(',').map((p) => p.trim());
  const name = parts[0]?.replace(/\s*[(:].*$/, '').trim() || undefined;
  const minutes = DURATION.exec(facts)?.[1];
  const hours = minutes === undefined ? HOURS.exec(facts)?.[1] : undefined;
  const priceMatch = PRICE.exec(facts);
  const price = priceMatch?.[1] ?? priceMatch?.[2];
  const resolvedName = name && !DURATION.test(name) && !PRICE.test(name) ? name : id;
  if (!resolvedName) return undefined;
  return {
    id,
    name: resolvedName,
    durationMin: minutes !== undefined ? Number(minutes) : hours !== undefined ? Math.round(Number(hours) * 60) : undefined,
    priceUsd: price !== undefined ? Number(price.replace(',', '.')) : undefined,
  };
}
