// Routing as data: which team each finding code's tasks go to, and which specialist owns the cases the system opens
// for a customer. Each PUT writes the next version whole; version 0 is the code's defaults.
import { z } from 'zod';
import { FINDING_CODES } from '../domain/types';
import { actorOut } from './approvals';
import { identifier, isoTimestamp } from './primitives';

/** More than there are finding codes: a code named twice is a 422 naming it, not a 400 on the list's length. */
const MAX_RULES = 100;
const MAX_OWNER_RULES = 1_000;

// Lower case, as every answer gives it.
const userId = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a user id (uuid)')
  .meta({ format: 'uuid' });

/** Each value of `key` at most once: a repeat is a 422 naming `N.<key>` (a rule /openapi.json cannot state). */
const onceEach =
  <T>(key: keyof T & string, what: string) =>
  (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<unknown>();
    items.forEach((item, index) => {
      if (seen.has(item[key])) ctx.addIssue({ code: 'custom', message: `${what} ${String(item[key])} is named twice`, path: [index, key] });
      seen.add(item[key]);
    });
  };

const routingRuleInput = z.strictObject({
  findingCode: z.enum(FINDING_CODES),
  team: identifier(100).meta({ description: 'A configured team (GET /api/teams); another is a 422' }),
});
const ownerRuleInput = z.strictObject({
  customerId: identifier(100),
  ownerId: userId.meta({ description: 'An active specialist; anyone else is a 422' }),
});

export const routingRequest = z.strictObject({
  rules: z
    .array(routingRuleInput)
    .max(MAX_RULES)
    .superRefine(onceEach('findingCode', 'finding code'))
    .meta({ description: 'The finding codes routed elsewhere than their default team; those not named keep it' }),
  owners: z
    .array(ownerRuleInput)
    .max(MAX_OWNER_RULES)
    .superRefine(onceEach('customerId', 'customer'))
    .optional()
    .meta({ description: "Who owns the cases the system opens for each customer's deductions; absent: none" }),
});

export const routingRuleOut = z.object({
  findingCode: z.enum(FINDING_CODES),
  team: z.string(),
  isDefault: z.boolean().meta({ description: "Not named by the version: the code's default team" }),
});
export const ownerRuleOut = z.object({ customerId: z.string(), owner: actorOut });

export const routingResponse = z.object({
  version: z.number().int().nonnegative().meta({ description: "0: no version written yet, the code's defaults" }),
  rules: z.array(routingRuleOut).meta({ description: 'Every finding code, with the team its tasks go to' }),
  owners: z.array(ownerRuleOut),
  createdBy: actorOut.nullable().meta({ description: 'null for version 0' }),
  createdAt: isoTimestamp.nullable(),
});

export type RoutingRequest = z.input<typeof routingRequest>;
export type RoutingAnswer = z.infer<typeof routingResponse>;
