// The OpenAPI 3.1 document, generated from the route table and its zod schemas (JSON Schema 2020-12 is the
// dialect of OpenAPI 3.1, which is what z.toJSONSchema writes).
import { z } from 'zod';
import { errorResponse } from '../contract';
import { openApiPath, type Route } from './route';
import { XML_BODY_LIMIT, XML_MEDIA_TYPES } from './xml-body';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query' | 'header'): JsonSchema[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...propertySchema } = property as JsonSchema & { description?: string };
    return {
      name,
      in: where,
      required: where === 'path' || (object.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: propertySchema,
    };
  });
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed or invalid input; `details` names each bad field',
  401: 'No token, or an unknown or revoked one',
  403: 'The role, team or approval limit does not allow it',
  404: 'Unknown id (or not visible to your team)',
  409: 'The case (or task) is not in a state that allows it',
  413: 'The body is larger than 256 KB',
  422: 'Valid shape, but refused by a rule this document cannot state (a business rule, a date that does not exist, a cursor the API never gave out)',
  429: 'Too many requests from this caller (its token, or its address); wait as long as Retry-After says',
  503: 'PostgreSQL or Temporal is unavailable; retry later',
};

const errorRef = { $ref: '#/components/schemas/Error' };

/** What a command answers, success or failure: the key it was applied under, to retry with. */
const idempotencyKeyHeader = {
  'Idempotency-Key': {
    description: 'The key the command was applied under: the one sent, or one the API made when none was',
    schema: { type: 'string' },
  },
};

const COMMAND_ERROR_DESCRIPTIONS: Record<number, string> = {
  422: `${ERROR_DESCRIPTIONS[422]}; IDEMPOTENCY_KEY_REUSED when the Idempotency-Key was used for another request`,
  503: 'No worker is running to apply the command (nothing was applied), or PostgreSQL or Temporal is unavailable: retry after Retry-After seconds with the Idempotency-Key answered',
};

/** An XML body is one document, its schema a string; its media types are those xml-body.ts takes. */
function requestContent(media: Route['bodyMedia'], schema: JsonSchema): JsonSchema {
  if (media !== 'xml') return { 'application/json': { schema } };
  return Object.fromEntries(XML_MEDIA_TYPES.map((type) => [type, { schema }]));
}

export function buildOpenApi(routes: readonly Route[], info: { title: string; version: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const isProtected = route.roles !== 'public';
    const hasInput = Boolean(route.params || route.query || route.body || route.headers);
    const errorStatuses = new Set<number>([
      ...(hasInput ? [400] : []),
      // Every route is throttled: by token or address on /api, by address on the operational ones.
      ...(isProtected ? [401, 403, 429, 503] : [429]),
      ...(route.body ? [413] : []),
      ...(route.errors ?? []),
    ]);
    const successContent = { 'application/json': { schema: jsonSchema(route.success.schema, 'output') } };
    const headers = route.command ? { headers: idempotencyKeyHeader } : {};
    const responses: Record<string, JsonSchema> = {
      [route.success.status]: { description: route.success.description, ...headers, content: successContent },
    };
    if (route.alternate) {
      responses[route.alternate.status] = { description: route.alternate.description, content: successContent };
    }
    for (const status of [...errorStatuses].sort()) {
      if (responses[status]) continue;
      // Refusals of the use case carry the key; those before it (bad input, token, role, size, rate) have none yet.
      const commandError = route.command && [403, 404, 409, 422, 503].includes(status);
      responses[status] = {
        description:
          (commandError ? COMMAND_ERROR_DESCRIPTIONS[status] : undefined) ??
          (status === 413 && route.bodyMedia === 'xml' ? `The body is larger than ${XML_BODY_LIMIT / 1024 / 1024} MB` : undefined) ??
          ERROR_DESCRIPTIONS[status] ??
          'Error',
        ...(commandError ? headers : {}),
        content: { 'application/json': { schema: errorRef } },
      };
    }
    const operation: JsonSchema = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      security: isProtected ? [{ bearer: [] }] : [],
      ...(isProtected ? { 'x-roles': route.roles } : {}),
      parameters: [
        ...parametersOf(route.params, 'path'),
        ...parametersOf(route.query, 'query'),
        ...parametersOf(route.headers, 'header'),
      ],
      ...(route.body ? { requestBody: { required: true, content: requestContent(route.bodyMedia, jsonSchema(route.body, 'input')) } } : {}),
      responses,
    };
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      ...info,
      description:
        'Invoice dispute investigation engine. Money is a decimal string with two decimals; quantities are numbers ' +
        'with up to 3 decimals; dates are ISO 8601. Every /api route needs `Authorization: Bearer <token>`. ' +
        "Prometheus' `GET /metrics` is not part of this API: it is served only to the operator's scraper.",
    },
    servers: [{ url: '/' }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A user token from POST /api/users' } },
      schemas: { Error: jsonSchema(errorResponse, 'output') },
    },
  };
}
