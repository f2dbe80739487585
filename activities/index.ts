// The dispute's activities, built from their dependencies so tests and workers wire them the same way.
import type { Pool } from 'pg';
import type { RecordedEvent } from '../domain/events';
import { recordEvents } from './trail';
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
}

export function createActivities({ pool, records }: ActivityDeps) {
  return {
    recordEvents: (input: { caseId: string; events: RecordedEvent[] }): Promise<void> => recordEvents(pool, input),
    collectEvidence: (input: CollectEvidenceInput): Promise<CollectedEvidence> => collectEvidence(pool, records, input),
    issueCreditMemo: (input: IssueCreditMemoInput): Promise<IssuedCreditMemo> => issueCreditMemo(pool, input),
    issueAdjustments: (input: IssueAdjustmentsInput): Promise<IssuedAdjustments> => issueAdjustments(pool, input),
  };
}
