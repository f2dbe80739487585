// One route's handler run for one request: its input read and checked, a command given the key it is applied
// under, the route's handler called with its context, and the answer sent with the route's status.
import type { RequestHandler } from 'express';
import type { Logger } from '../infra/logger';
import type { AuthUser } from './auth';
import { commandKey } from './idempotency';
import { bodySha256 } from './json-body';
import { readInput } from './request-input';
import type { Route, RouteDeps } from './route';

/** `validateResponses`: check every answer against the route's response schema; a mismatch is a 500 (tests). */
export function handle(route: Route, deps: RouteDeps, validateResponses: boolean): RequestHandler {
  return async (req, res) => {
    const input = readInput(route, req);
    const idempotencyKey = route.command ? commandKey((input.headers as { 'Idempotency-Key'?: string })['Idempotency-Key'], res) : undefined;
    const log = res.locals.log as Logger;
    let status: number = route.success.status;
    const result = await route.handler({
      ...input,
      idempotencyKey,
      deps,
      user: (res.locals.user as AuthUser | undefined) ?? null,
      log,
      bodySha256: () => bodySha256(req),
      touchCase: (workflowId: string) => {
        res.locals.workflowId = workflowId;
      },
      setStatus: (s: number) => {
        status = s;
      },
    });
    if (validateResponses) {
      const checked = route.success.schema.safeParse(result);
      if (!checked.success) {
        log.error({ route: route.path, issues: checked.error.issues }, 'answer does not match its schema');
        throw new Error(`the answer of ${route.method.toUpperCase()} ${route.path} does not match its schema`);
      }
    }
    res.status(status).json(result);
  };
}
