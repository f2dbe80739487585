// One notification's delivery (id notify:<notificationId>), started once the trail event that raised it committed.
import { ActivityFailure, log, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { NOTIFICATION_REFUSED } from '../domain/errors';

type Activities = ReturnType<typeof createActivities>;

/**
 * Delivery to a receiver we do not run: its outages may last minutes, so the intervals grow fourfold (1, 4, 16, 64,
 * 256 s, then every 10 minutes) over eight attempts, about 25 minutes; a refusal is final at once. The last failure
 * is recorded on the notification (FAILED, last_error) by the attempt that meets it.
 */
const NOTIFICATION_DELIVERY = {
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 4,
    maximumInterval: '10 minutes',
    maximumAttempts: 8,
    nonRetryableErrorTypes: [NOTIFICATION_REFUSED],
  },
} satisfies ActivityOptions;

const { deliverNotification } = proxyActivities<Activities>(NOTIFICATION_DELIVERY);

export async function notificationWorkflow(input: { notificationId: string }): Promise<'SENT' | 'FAILED'> {
  try {
    await deliverNotification(input);
    return 'SENT';
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    // The notification says FAILED and why; the workflow ends, its history keeping the failure.
    log.warn('notification not delivered', { notificationId: input.notificationId, error: err.cause?.message ?? err.message });
    return 'FAILED';
  }
}
