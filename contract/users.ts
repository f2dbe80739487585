// Users and their tokens; delegations between managers; the administration trail.
import { z } from 'zod';
import { ADMIN_EVENT_TYPES, ROLES } from '../domain/types';
import { identifier, instantInput, isoTimestamp, moneyInput, moneyOutput, page, pageQuery, uuid } from './primitives';

const MAX_LIMITS = 50;
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code, e.g. EUR');
/** A manager's limits by currency, the base currency's (BASE_CURRENCY) included; a currency without one cannot be approved in. */
export const approvalLimitsInput = z
  .record(currency, moneyInput)
  .refine((limits) => Object.keys(limits).length <= MAX_LIMITS, `at most ${MAX_LIMITS} currencies`)
  .meta({ description: 'Limits by ISO 4217 currency; the base currency’s is approvalLimit', examples: [{ USD: '5000.00', EUR: '4000.00' }] });

// One shape per kind of role, so that /openapi.json says it: ops need a team and may lead it, only managers have limits.
const userName = { name: identifier(200) };
const team = identifier(100);
export const userRequest = z.discriminatedUnion('role', [
  z.strictObject({ ...userName, role: z.literal('ops'), team, approvalLimit: z.null().optional(), lead: z.boolean().optional() }),
  z.strictObject({
    ...userName,
    role: z.literal('manager'),
    team: team.nullable().optional(),
    approvalLimit: moneyInput.nullable().optional(),
    approvalLimits: approvalLimitsInput.optional(),
  }),
  z.strictObject({
    ...userName,
    role: z.enum(['admin', 'specialist', 'auditor', 'cash'] satisfies (typeof ROLES)[number][]),
    team: team.nullable().optional(),
    approvalLimit: z.null().optional(),
  }),
]);

/** What an admin may change of a user; approvalLimits replaces the whole set. Which fields a role takes is a rule (422). */
export const userChangeRequest = z
  .strictObject({
    name: identifier(200).optional(),
    team: team.nullable().optional(),
    approvalLimit: moneyInput.nullable().optional(),
    approvalLimits: approvalLimitsInput.optional(),
    lead: z.boolean().optional(),
    active: z.boolean().optional(),
  })
  .refine((body) => Object.values(body).some((v) => v !== undefined), 'must change at least one field');

export const userResponse = z.object({
  id: uuid,
  name: z.string(),
  role: z.enum(ROLES),
  team: z.string().nullable(),
  approvalLimit: moneyOutput.nullable().meta({ description: 'The limit in the base currency (BASE_CURRENCY)' }),
  approvalLimits: z.record(z.string(), moneyOutput).meta({ description: 'Every limit by currency, the base currency’s included' }),
  lead: z.boolean().meta({ description: "The team's lead (ops): overdue tasks of the team go to them" }),
  active: z.boolean().meta({ description: 'A deactivated user’s token is refused until they are active again' }),
});
export const userCreatedResponse = userResponse.extend({
  token: z.string().meta({ description: 'The bearer token; shown once, never stored' }),
});
export const userRevokedResponse = userResponse.extend({ revokedAt: isoTimestamp });
export type User = z.infer<typeof userResponse>;

export const meResponse = userResponse;

export const userListQuery = z.strictObject({
  ...pageQuery,
  role: z.enum(ROLES).optional(),
  team: team.optional(),
  active: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});
export const userListItem = userResponse.extend({
  createdAt: isoTimestamp,
  revokedAt: isoTimestamp.nullable().meta({ description: 'When the token was revoked, for good' }),
});
export const userListResponse = page(userListItem);
export type UserListItem = z.infer<typeof userListItem>;

/** Who can be picked for an assignment, a delegation or a task: active people, names and places only. */
export const peopleQuery = z.strictObject({
  role: z.enum(ROLES).optional(),
  team: team.optional(),
});
export const personOut = z.object({
  id: uuid,
  name: z.string(),
  role: z.enum(ROLES),
  team: z.string().nullable(),
  lead: z.boolean().meta({ description: "The team's lead (ops): overdue tasks of the team go to them" }),
});
export const peopleResponse = z.object({ items: z.array(personOut) });
export type Person = z.infer<typeof personOut>;

// ------------------------------------------------------------ delegations
export const delegationRequest = z.strictObject({
  delegateId: z.string().min(1).max(100).meta({ format: 'uuid', description: 'The manager who decides for the absent one' }),
  from: instantInput,
  until: instantInput.meta({ description: 'After from, in the future, at most 366 days after from' }),
});
const named = z.object({ id: uuid, name: z.string() });
export const delegationOut = z.object({
  id: uuid,
  managerId: uuid,
  managerName: z.string(),
  delegateId: uuid,
  delegateName: z.string(),
  from: isoTimestamp,
  until: isoTimestamp.meta({ description: 'The first instant the delegation no longer runs' }),
  createdBy: named,
  createdAt: isoTimestamp,
});
export type Delegation = z.infer<typeof delegationOut>;
export const delegationListResponse = z.object({ items: z.array(delegationOut) });
export const myDelegationsResponse = z.object({
  given: z.array(delegationOut).meta({ description: 'Yours to others, running or to come' }),
  received: z.array(delegationOut).meta({ description: 'Others’ to you, running or to come' }),
});

// ------------------------------------------------------------ the administration trail
export const adminEventQuery = z.strictObject({
  ...pageQuery,
  subjectId: identifier(100).optional(),
  type: z.enum(ADMIN_EVENT_TYPES).optional(),
});
export const adminEventOut = z.object({
  seq: z.number().int(),
  at: isoTimestamp,
  actor: named,
  type: z.string(),
  subjectId: z.string().meta({ description: "The user's id, the routing version, …: what the change is about" }),
  data: z.record(z.string(), z.unknown()).meta({ description: 'What changed: for USER_CHANGED, before and after of each field changed' }),
});
export const adminEventListResponse = page(adminEventOut);
export type AdminEventItem = z.infer<typeof adminEventOut>;
