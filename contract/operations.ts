// What runs the desk rather than its disputes: health and the web UI's configuration.
import { z } from 'zod';

export const healthResponse = z.object({
  status: z.enum(['ok', 'unavailable']),
  postgres: z.enum(['ok', 'unavailable']),
  temporal: z.enum(['ok', 'unavailable']),
  workers: z
    .number()
    .int()
    .nonnegative()
    .nullable()
    .meta({ description: 'Workers polling the task queue in the last 70 s; null when Temporal did not say' }),
});

export const webConfigResponse = z.object({
  temporalUi: z
    .object({
      url: z.string().meta({ description: 'Base URL of the Temporal Web UI' }),
      namespace: z.string(),
    })
    .nullable()
    .meta({ description: "Where a case's workflow can be looked at: {url}/namespaces/{namespace}/workflows/{workflowId}; null when no UI is configured" }),
  baseCurrency: z.string().meta({ description: "The currency of a manager's approvalLimit (BASE_CURRENCY)" }),
});

export type Health = z.infer<typeof healthResponse>;
export type WebConfig = z.infer<typeof webConfigResponse>;
