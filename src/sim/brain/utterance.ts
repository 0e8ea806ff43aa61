import { findDates, findTimes, type DateMention } from './date-time-parse.js';
import { FILLER_WORDS, stems } from './words.js';

export type Intent =
  | 'cancel'
  | 'reschedule'
  | 'my_bookings'
  | 'book'
  | 'availability'
  | 'services'
  | 'confirm'
  | 'decline'
  | 'greeting'
  | 'thanks'
  | 'other';

/** What one customer message asks for and mentions. */
export interface Utterance {
  intent: Intent;
  dates: DateMention[];
  times: string[];
  codes: string[];
  /** Content words that may name a service (filler, dates and intent words removed). */
  serviceWords: string[];
  /** "the first one", "earliest", "soonest". */
  wantsEarliest: boolean;
  customerName: string | undefined;
  isQuestion: boolean;
  /** "I'd like ...", "can I get ...": a wish that may name a service. */
  wantsSomething: boolean;
}

const CODE_RE = /\b[A-Z]{2,4}-[A-Z0-9]{4,10}\b/g;
// Case-sensitive on purpose: a capitalised word after "I'm" is a name, "I'm free" is not.
const NAME_RE = /\b(?:[Mm]y name is|[Nn]ame's|I am|I'm|[Tt]his is)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)/;

const WISH_RE = /\b(i want|i'?d like|i would like|i need|can i (get|have)|looking for|interested in)\b/i;

// Intent cues, tried in order: the first that matches wins.
const CUES: ReadonlyArray<[Intent, RegExp]> = [
  ['cancel', /\bcancel/i],
  ['reschedule', /\b(reschedul\w*|postpone|move|push|change)\b.*\b(booking|appointment|reservation|it|that|mine|to|[A-Z]{2,4}-[A-Z0-9]{4,})/i],
  ['my_bookings', /\b(my|our) (upcoming |current |existing )?(bookings|appointments|reservations)\b|\bwhat (have|did) (i|we) (booked?|reserved?)\b|\bwhat do (i|we) have (booked|scheduled|reserved|coming up)\b|\bdo i have (any )?(bookings|appointments)\b|\bam i booked\b/i],
  ['book', /\b(book|reserve|schedule|sign me up|make an appointment|put me down|the [0-9:.apm ]+ one|that one|this one)\b/i],
  // Weaker wishes ("I'd like ...") mean booking only when they carry a time or a date.
  ['book', /\b(i want|i'?d like|i would like|can i (get|have)|i'?ll take|let'?s do|go with|grab)\b.*\b(\d{1,2}(:\d{2})?\s*(am|pm)|\d{1,2}:\d{2}|today|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\d{4}-\d{2}-\d{2})/i],
  ['availability', /\b(availab\w*|free|open|slots?|openings?|when can|what times?|any times?|is there (room|space|anything)|do you have (anything|any|room|space|a (slot|spot|time))|can i come( in)?)\b/i],
  ['services', /\b(services?|offer|menu|prices?|cost|how much|what (do|can) you (do|provide)|treatments?|options)\b/i],
  // Thanks before confirm: "Great, thanks" closes the conversation, it does not say yes.
  ['thanks', /\b(thanks|thank you|thx|cheers|bye|goodbye|see you)\b/i],
  ['confirm', /^\s*(yes|yeah|yep|yup|sure|ok|okay|please do|go ahead|sounds good|perfect|great|do it|that works|works for me|confirm)\b/i],
  ['decline', /^\s*(no|nope|never ?mind|not really|no thanks)\b/i],
  ['greeting', /^\s*(hi|hello|hey|good (morning|afternoon|evening)|greetings|howdy)\b/i],
];

export function parseUtterance(text: string): Utterance {
  let intent: Intent = 'other';
  for (const [candidate, re] of CUES) {
    if (re.test(text)) {
      intent = candidate;
      break;
    }
  }
  const dates = findDates(text);
  const times = findTimes(text);
  // A time alone ("10:30 please") after an offer reads as a choice of slot.
  if (intent === 'other' && times.length > 0) intent = 'book';
  const codes = text.match(CODE_RE) ?? [];
  const nameMatch = NAME_RE.exec(text);
  const name = nameMatch?.[1];
  const rest = nameMatch ? text.slice(0, nameMatch.index) + text.slice(nameMatch.index + nameMatch[0].length) : text;
  const serviceWords = stems(rest.replace(CODE_RE, ' ').replace(/\d+/g, ' ')).filter((w) => w.length > 2 && !FILLER_WORDS.has(w));
  return {
    intent,
    dates,
    times,
    codes,
    serviceWords,
    wantsEarliest: /\b(first|earliest|soonest|first available|asap)\b/i.test(text),
    customerName: name,
    isQuestion: text.includes('?'),
    wantsSomething: WISH_RE.test(text),
  };
}
