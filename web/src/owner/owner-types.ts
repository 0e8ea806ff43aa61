/**
 * The owner's API answers (docs/agent-api.md, "Owner's REST API"), typed from the server's
 * own definitions so the page and the server cannot drift apart. Type-only imports: nothing
 * of the server ends up in the bundle.
 */
import type { Booking } from '../../../src/booking/booking-store.js';
import type { Business as BusinessFile, Service } from '../../../src/booking/business.js';
import type { ServiceDayCapacity } from '../../../src/booking/day-capacity.js';
import type { Weekday } from '../../../src/shared/local-time.js';

export type { Booking, Service, ServiceDayCapacity as ServiceCapacity, Weekday };

/** `GET /v1/business`. */
export type Business = Pick<BusinessFile, 'name' | 'timeZone' | 'slotStepMin' | 'bookingHorizonDays' | 'openingHours' | 'closedDates' | 'services'> & { today: string };

export const WEEKDAYS: readonly Weekday[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
