// The dispute's activities, built from their dependencies so tests and workers wire them the same way.
import type { Pool } from 'pg';
import type { RecordedEvent } from '../domain/events';
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

export interface ActivityDeps {
  pool: Pool;
  records: RecordsSource;
  /** How notifications go out (activities/notify.ts configuredSender); by default, as log lines. */
  sender?: NotificationSender;
}

export function createActivities({ pool, records, sender = logSender(createLogger('notify')) }: ActivityDeps) {
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
  };
}
