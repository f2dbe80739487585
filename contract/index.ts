// The contract: every shape that crosses a boundary (source records, HTTP bodies and answers, the analysis the
// workflow receives), declared once as zod schemas with types by z.infer, so the API, the activities, the scripts and
// the web (types only, like the workflow bundle) cannot drift apart.
export * from './primitives';
export * from './records';
export * from './findings';
export * from './invoices';
export * from './approvals';
export * from './cases';
export * from './tasks';
export * from './comments';
export * from './notifications';
export * from './reports';
export * from './users';
export * from './teams';
export * from './routing';
export * from './operations';
export * from './payments';
export type * from '../domain/types';
