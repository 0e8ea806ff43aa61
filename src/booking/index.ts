/** The booking domain's public surface: import from here, not from the files behind it. */
export { BookingError, isBookingError, type AlternativeSlot, type BookingErrorCode } from './booking-error.js';
export { BookingService, type Availability, type AvailabilityQuery, type BookingServiceOptions, type BookRequest, type ListAllQuery } from './booking-service.js';
export type { ServiceDayCapacity } from './day-capacity.js';
export type { Booking, BookingMove, BookingQuery, BookingStatus, BookingStore, CatalogSyncResult, CreateResult, NewBooking } from './booking-store.js';
export { businessSchema, serviceSchema, type Business, type BusinessInput, type OpeningInterval, type Service } from './business.js';
export { normalizeConfirmationCode } from './confirmation-code.js';
export { DEMO_BUSINESS } from './demo-business.js';
export { BusinessFileError, loadBusiness, parseBusiness } from './load-business.js';
export { isPostgresUrl, openBookingService, type OpenBookingServiceOptions } from './open-booking-service.js';
export { openPostgresBookingStore, PostgresBookingStore, type PostgresBookingStoreOptions } from './postgres-booking-store.js';
export { openSqliteBookingStore, SqliteBookingStore, type SqliteBookingStoreOptions } from './sqlite-booking-store.js';
export type { Slot } from './availability.js';
