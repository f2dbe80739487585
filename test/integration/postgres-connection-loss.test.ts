// A database restart ends every session, including one held by a transaction between two statements. Found by the
// chaos run (F5): the worker died of the unhandled 'error' event of such a checked-out client. Now the transaction
// fails like any other database error (the activity retries it) and the process lives on.
import { withTransaction } from '../../infra/postgres';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ poolMax: 3 });
});
afterAll(async () => {
  await db.drop();
});

test('a session ended between two statements fails the transaction, not the process', async () => {
  const ended = withTransaction(db.pool, async (client) => {
    const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
    // From another session, as a server shutdown does: the server sends an error to this idle-in-transaction
    // session and closes it, while no statement of ours is running.
    await db.pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await client.query('SELECT 1');
  });
  await expect(ended).rejects.toThrow(/terminat|connection/i);

  // The dead client went back to the pool discarded: the pool serves fresh connections.
  const { rows } = await db.pool.query('SELECT 1 AS one');
  expect(rows[0].one).toBe(1);
});
