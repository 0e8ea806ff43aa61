import { createRng, pick } from '../seeded-random.js';

/**
 * What simulated customers say, one script per conversation. Scripts vary by conversation
 * number: services, days, times and names differ, so the simulator sees new content all
 * the time (as in production) while short messages such as "What are my bookings?" repeat.
 */
const SERVICES = ['haircut', 'classic haircut', 'beard trim', 'hair colouring', 'kids haircut', 'deep conditioning'];
const DAYS = ['tomorrow', 'on Friday', 'on Saturday', 'next Thursday', 'on 2026-12-09', 'on December 10th', 'in 3 days'];
const TIMES = ['09:30', '10:00', '10:30', '11am', '2pm', '14:30', '3:30pm', '16:00', '17:30'];
const NAMES = ['Ana', 'Bruno', 'Chen', 'Dalia', 'Emeka', 'Farah', 'Goran', 'Hana', 'Ines', 'Jonas', 'Kemal', 'Lucia'];

export function conversationScript(k: number): string[] {
  const rng = createRng(k * 2_654_435_761);
  const service = pick(rng, SERVICES);
  const day = pick(rng, DAYS);
  const time = pick(rng, TIMES);
  const later = pick(rng, TIMES);
  const name = `${pick(rng, NAMES)} (member ${k})`;
  switch (k % 5) {
    case 0:
      return [`Hi! I'm ${name}. What services do you offer?`, `Do you have anything for a ${service} ${day} at ${time}?`, `OK, book the ${later} one please.`, 'What are my bookings?'];
    case 1:
      return [`Hello, this is ${name}. Book me a ${service} ${day} at ${time}.`, 'Thanks! What do I have booked?', 'Actually, please cancel it.'];
    case 2:
      return [`Hi, ${name} here`, `I'd like to book a ${service}`, `${capitalise(day)} at ${time}`, `Can you move it to ${pick(rng, DAYS)} at ${later}?`, 'Thanks, bye!'];
    case 3:
      return [`Hello! ${name} speaking. What are my bookings?`, `Is there any availability for a ${service} ${day}?`, 'the earliest one please', 'Thank you!'];
    default:
      return [`Hey, ${name}. How much is a ${service}?`, `Is ${time} ${day} free?`, 'yes please', 'Great, thanks'];
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
