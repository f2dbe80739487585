// The dispute's activities, built from their dependencies so tests and workers wire them the same way.
import type { Pool } from 'pg';
import type { Actor, RecordedEvent } from '../domain/events';
import { recordEvents } from './trail';
import { deliverNotification, logSender, startDeliveries, type NotificationSender } from './notify';
import { createLogger } from '../infra/logger';
import { collectEvidence, type CollectEvidenceInput, type CollectedEvidence } from './evidence';
import {
  issueAdjustments,
  issueCreditMemo,
  type IssueAdjustmentsInput,
  type IssueCreditMemoInput,
  type IssuedAdjustments,
  type IssuedCreditMemo,
} from './ledger';
import type { RecordsSource } from '../records/source';
import { DEFAULT_BASE_CURRENCY } from '../domain/types';
import { coveringApprovers, teamLead, type ApproversInput } from './people';

export interface ActivityDeps {
  pool: Pool;
  records: RecordsSource;
  /** How notifications go out (activities/notify.ts configuredSender); by default, as log lines. */
  sender?: NotificationSender;
  /** The currency of a manager's approvalLimit (BASE_CURRENCY; default USD). */
  baseCurrency?: string;
}

export function createActivities({ pool, records, sender = logSender(createLogger('notify')), baseCurrency = DEFAULT_BASE_CURRENCY }: ActivityDeps) {
  return {
    /** The events, then the delivery of the notifications they raised, once their transaction committed. */
    recordEvents: async (input: { caseId: string; events: RecordedEvent[] }): Promise<void> => {
      await recordEvents(pool, input);
      await startDeliveries(pool, input);
    },
    collectEvidence: (input: CollectEvidenceInput): Promise<CollectedEvidence> => collectEvidence(pool, records, input),
    issueCreditMemo: (input: IssueCreditMemoInput): Promise<IssuedCreditMemo> => issueCreditMemo(pool, input),
    issueAdjustments: (input: IssueAdjustmentsInput): Promise<IssuedAdjustments> => issueAdjustments(pool, input),
    deliverNotification: (input: { notificationId: string }): Promise<void> => deliverNotification(pool, sender, input),
    coveringApprovers: (input: ApproversInput): Promise<Actor[]> => coveringApprovers(pool, baseCurrency, input),
    teamLead: (input: { team: string }): Promise<Actor | null> => teamLead(pool, input),
  };
}
