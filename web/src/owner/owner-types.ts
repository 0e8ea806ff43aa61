/** The owner's API answers (docs/agent-api.md, "Owner's REST API"). */
export interface Booking {
  code: string;
  customerId: string;
  customerName: string | null;
  serviceId: string;
  service: string;
  date: string;
  time: string;
  endTime: string;
  durationMin: number;
  priceUsd: number;
  status: 'confirmed' | 'cancelled';
  notes: string | null;
}

export interface Service {
  id: string;
  name: string;
  description: string;
  durationMin: number;
  priceUsd: number;
  capacity: number;
}

export type Weekday = 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';

export interface Business {
  name: string;
  timeZone: string;
  today: string;
  slotStepMin: number;
  bookingHorizonDays: number;
  openingHours: Record<Weekday, Array<{ open: string; close: string }>>;
  closedDates: Array<{ date: string; reason?: string }>;
  services: Service[];
}

export interface ServiceCapacity {
  serviceId: string;
  name: string;
  capacity: number;
  openMinutes: number;
  capacityMinutes: number;
  bookedMinutes: number;
  leftMinutes: number;
  bookings: number;
  freeStarts: number;
  nextFree: string | null;
  closed: string | null;
}

export const WEEKDAYS: readonly Weekday[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
