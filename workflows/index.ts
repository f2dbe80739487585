// The workflow bundle's root: workflows only.
export { disputeWorkflow } from './dispute';
export { notificationWorkflow } from './notification';
