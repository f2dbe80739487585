// The dispute's activities, built from their dependencies so tests and workers wire them the same way.
import type { Pool } from 'pg';
import type { RecordedEvent } from '../domain/events';
import type { Analysis } from '../contract';
import { recordEvents } from './trail';
import { collectEvidence, type CollectEvidenceInput } from './evidence';
import {
  issueAdjustments,
  issueCreditMemo,
  type IssueAdjustmentsInput,
  type IssueCreditMemoInput,
  type IssuedAdjustments,
  type IssuedCreditMemo,
} from './ledger';
import type { RecordsSource } from '../records/source';
import type { Actor } from '../domain/events';
import { DEFAULT_BASE_CURRENCY } from '../domain/types';
import { coveringApprovers, teamLead, type ApproversInput } from './people';

export interface ActivityDeps {
  pool: Pool;
  records: RecordsSource;
  /** The currency of a manager's approvalLimit (BASE_CURRENCY; default USD). */
  baseCurrency?: string;
}

export function createActivities({ pool, records, baseCurrency = DEFAULT_BASE_CURRENCY }: ActivityDeps) {
  return {
    recordEvents: (input: { caseId: string; events: RecordedEvent[] }): Promise<void> => recordEvents(pool, input),
    collectEvidence: (input: CollectEvidenceInput): Promise<Analysis> => collectEvidence(pool, records, input),
    issueCreditMemo: (input: IssueCreditMemoInput): Promise<IssuedCreditMemo> => issueCreditMemo(pool, input),
    issueAdjustments: (input: IssueAdjustmentsInput): Promise<IssuedAdjustments> => issueAdjustments(pool, input),
    coveringApprovers: (input: ApproversInput): Promise<Actor[]> => coveringApprovers(pool, baseCurrency, input),
    teamLead: (input: { team: string }): Promise<Actor | null> => teamLead(pool, input),
  };
}
