// Every HTTP server of the service (the API, the metrics listener, and the tests' and bench's APIs) listens here.
import type { Server } from 'node:http';
import type { Express } from 'express';

/**
 * Listens with the timeouts a server needs: a slow client must not hold a socket for ever, and keep-alive outlasts
 * common load balancers' and fetch's own, so the server never closes a socket a client is about to reuse (an
 * ECONNRESET, seen under load when a test's server kept Node's 5-second default).
 */
export async function listen(app: Express, port: number, host?: string): Promise<Server> {
  const server: Server = await new Promise((resolve, reject) => {
    const done = (err?: Error) => (err ? reject(err) : resolve(s));
    const s = host === undefined ? app.listen(port, done) : app.listen(port, host, done);
  });
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  return server;
}
