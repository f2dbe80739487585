// The bare baseline's messages, declared once for the workflow and the bench's client side.
import { defineUpdate } from '@temporalio/workflow';

export type BareStage = 'EVIDENCE' | 'INVESTIGATION' | 'RESOLUTION' | 'APPROVAL' | 'CREDIT_MEMO' | 'DONE';

/** Moves the case on from `from`; refused (by the validator) in any other stage. */
export const bareAdvanceUpdate = defineUpdate<{ stage: BareStage }, [{ from: BareStage }]>('advance');
