// The trail's activity: the workflow's events, written with their projections, or refused for good.
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import { UNSTORABLE_EVENT } from '../domain/errors';
import type { RecordedEvent } from '../domain/events';
import { unstorableFields } from '../domain/text';
import { isValueError, withTransaction } from '../infra/postgres';
import { projectEvents } from '../read-model/projection';

/**
 * Writes the events and their projections in one transaction. Events the database can never take as they are fail
 * at once, typed UNSTORABLE_EVENT and not retryable (retried, they would fail the same way for ever): text it cannot
 * store, found before writing and named field by field, or any value it refuses (PostgreSQL's message stays in
 * the failure's cause, for the worker's log and Temporal's history; the message is ours).
 */
export async function recordEvents(pool: Pool, input: { caseId: string; events: RecordedEvent[] }): Promise<void> {
  const unstorable = input.events.flatMap((e) =>
    unstorableFields({ actor: e.actor, data: e.data }).map(({ field, problem }) => {
      const name = field.replace(/^data\./, '');
      return `${name}: holds ${problem}, which the database cannot store (event ${e.seq}, ${e.type})`;
    }),
  );
  if (unstorable.length) {
    throw ApplicationFailure.create({ type: UNSTORABLE_EVENT, message: unstorable.join('; '), nonRetryable: true });
  }
  try {
    await withTransaction(pool, (client) => projectEvents(client, input.caseId, input.events));
  } catch (err) {
    if (!isValueError(err)) throw err;
    const events = input.events.map((e) => `${e.seq} (${e.type})`).join(', ');
    throw ApplicationFailure.create({
      type: UNSTORABLE_EVENT,
      message: `the database cannot hold a value of event ${events}`,
      nonRetryable: true,
      cause: err as Error,
    });
  }
}
