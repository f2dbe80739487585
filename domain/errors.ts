import { ApplicationFailure } from '@temporalio/common';

// One error taxonomy for business refusals, shared by the workflow (validators, activities) and the API.
// Each type maps to one HTTP status; transient faults are never given one of these types.

export const REFUSALS = {
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  Unprocessable: 422,
} as const;
export type RefusalType = keyof typeof REFUSALS;

export function isRefusalType(type: unknown): type is RefusalType {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(REFUSALS, type);
}

/** Activity failure types that must not be retried. */
export const POISON_RECORD = 'PoisonRecord';
export const INSUFFICIENT_OPEN_BALANCE = 'InsufficientOpenBalance';
/** The invoice an approved credit is for is not in the ledger (the schema keeps it; only an operator removes it). */
export const INVOICE_VANISHED = 'InvoiceVanished';
/** An approved credit more than a line of the invoice can still take (its billed amount less what was credited). */
export const LINE_OVER_CREDITED = 'LineOverCredited';
/** An event of the trail the database can never store as sent (text it cannot hold, a value out of its range). */
export const UNSTORABLE_EVENT = 'UnstorableEvent';
/** A notification's receiver refused it for good (a 4xx other than 408 and 429): sent again, it would refuse again. */
export const NOTIFICATION_REFUSED = 'NotificationRefused';

/** A business refusal: non-retryable, typed so the API can answer with the matching status. */
export function refuse(type: RefusalType, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}
