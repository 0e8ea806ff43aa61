import { businessSchema, type Business, type BusinessInput } from './business.js';

/**
 * The business Concierge runs when the owner gives no file: a barber and spa with eight
 * services. Capacities model chairs and rooms (three barber chairs, one colour station,
 * two massage rooms), so the demo shows both single and shared slots.
 */
export const DEMO_BUSINESS_INPUT: BusinessInput = {
  name: 'Northside Studio',
  description: 'Barber and spa on Northside Avenue. Walk-ins welcome when a chair is free.',
  timeZone: 'America/New_York',
  slotStepMin: 15,
  bookingHorizonDays: 60,
  openingHours: {
    monday: [],
    tuesday: ['09:00-18:00'],
    wednesday: ['09:00-18:00'],
    thursday: ['09:00-20:00'],
    friday: ['09:00-20:00'],
    saturday: ['09:00-13:00', '14:00-17:00'],
    sunday: [],
  },
  closedDates: [
    { date: '2026-12-25', reason: 'Christmas Day' },
    { date: '2027-01-01', reason: "New Year's Day" },
  ],
  services: [
    { id: 'classic-haircut', name: 'Classic haircut', description: 'Wash, cut and style with one of our barbers.', durationMin: 30, priceUsd: 35, capacity: 3 },
    { id: 'beard-trim', name: 'Beard trim', description: 'Shape and line-up of beard and moustache.', durationMin: 15, priceUsd: 20, capacity: 3 },
    { id: 'hot-towel-shave', name: 'Hot towel shave', description: 'Traditional straight-razor shave with hot towels.', durationMin: 45, priceUsd: 45, capacity: 1 },
    { id: 'kids-cut', name: 'Kids cut', description: 'Haircut for children under 12.', durationMin: 20, priceUsd: 22, capacity: 2 },
    { id: 'hair-colour', name: 'Hair colour', description: 'Full colour or highlights, consultation included.', durationMin: 90, priceUsd: 95, capacity: 1 },
    { id: 'scalp-massage', name: 'Scalp massage', description: 'Relaxing head and scalp massage with essential oils.', durationMin: 30, priceUsd: 30, capacity: 2 },
    { id: 'deep-tissue-massage', name: 'Deep tissue massage', description: 'Full-body deep tissue massage in a private room.', durationMin: 60, priceUsd: 90, capacity: 2 },
    { id: 'express-facial', name: 'Express facial', description: 'Cleanse, exfoliate and mask for tired skin.', durationMin: 40, priceUsd: 55, capacity: 1 },
  ],
};

export const DEMO_BUSINESS: Business = Object.freeze(businessSchema.parse(DEMO_BUSINESS_INPUT)) as Business;
