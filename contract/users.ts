// Users and their tokens.
import { z } from 'zod';
import { ROLES } from '../domain/types';
import { identifier, isoTimestamp, moneyInput, moneyOutput, uuid } from './primitives';

// One shape per kind of role, so that /openapi.json says it: ops need a team, only managers have a limit.
const userName = { name: identifier(200) };
const team = identifier(100);
export const userRequest = z.discriminatedUnion('role', [
  z.strictObject({ ...userName, role: z.literal('ops'), team, approvalLimit: z.null().optional() }),
  z.strictObject({ ...userName, role: z.literal('manager'), team: team.nullable().optional(), approvalLimit: moneyInput.nullable().optional() }),
  z.strictObject({
    ...userName,
    role: z.enum(['admin', 'specialist', 'auditor', 'cash'] satisfies (typeof ROLES)[number][]),
    team: team.nullable().optional(),
    approvalLimit: z.null().optional(),
  }),
]);

export const userResponse = z.object({
  id: uuid,
  name: z.string(),
  role: z.enum(ROLES),
  team: z.string().nullable(),
  approvalLimit: moneyOutput.nullable(),
});
export const userCreatedResponse = userResponse.extend({
  token: z.string().meta({ description: 'The bearer token; shown once, never stored' }),
});
export const userRevokedResponse = userResponse.extend({ revokedAt: isoTimestamp });
export type User = z.infer<typeof userResponse>;

export const meResponse = userResponse;

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
