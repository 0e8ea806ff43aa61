/** Lower-case word stems: split on non-letters and camelCase, plural "s" dropped. */
export function stems(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/)) {
    if (raw.length === 0) continue;
    out.push(stem(raw));
  }
  return out;
}

export function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** Words that say nothing about which service a customer means. */
export const FILLER_WORDS = new Set(
  stems(
    `a an the i me my we our us you your it its is are was be been am do does did can could would should will shall may might
    please thanks thank hi hello hey ok okay yes no yeah sure just also and or but so then that this these those there here
    for to of on in at by with from about as into up down out over after before next this coming
    book booking booked reserve reservation appointment appointments slot slots time times available availability free open
    check see show list tell know want wanted like would love need get have make schedule set let any anything something
    what when which who how where why one ones first earliest latest last other another some more instead same
    today tomorrow tonight day days week morning afternoon evening noon am pm
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    service services offer offers do price prices cost much`,
  ),
);
