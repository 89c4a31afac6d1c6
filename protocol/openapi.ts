import { z } from 'zod';
import { ROUTES } from './api/routes';
import type { RouteSpec } from './api/route';
import { API_ERRORS, ApiErrorBodySchema } from './errors';
import { API_VERSION } from './version';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'openapi-3.0' });
}

function parametersOf(spec: RouteSpec): JsonSchema[] {
  const parameters: JsonSchema[] = [];
  for (const [location, schema] of [['path', spec.params], ['query', spec.query]] as const) {
    if (schema === undefined) continue;
    const json = schemaOf(schema, 'input');
    const properties = typeof json.properties === 'object' && json.properties !== null ? json.properties : {};
    const required = Array.isArray(json.required) ? json.required : [];
    for (const [name, property] of Object.entries(properties)) {
      parameters.push({ name, in: location, required: location === 'path' || required.includes(name), schema: property });
    }
  }
  return parameters;
}

function operationOf(name: string, spec: RouteSpec): JsonSchema {
  const security =
    spec.auth === 'none' ? [] : spec.auth === 'cookie' ? [{ userCookie: [] }] : [{ accessToken: [] }];
  const responses: JsonSchema = {
    [String(spec.status)]: {
      description: spec.summary,
      ...(spec.response ? { content: { 'application/json': { schema: schemaOf(spec.response, 'output') } } } : {}),
    },
    default: {
      description: `Error; codes: ${Object.keys(API_ERRORS).join(', ')}`,
      content: { 'application/json': { schema: schemaOf(ApiErrorBodySchema, 'output') } },
    },
  };
  const requestBody = spec.body
    ? { required: true, content: { 'application/json': { schema: schemaOf(spec.body, 'input') } } }
    : name === 'uploadAsset'
      ? { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }
      : undefined;
  return {
    operationId: name,
    summary: spec.summary,
    ...(spec.auth === 'client' ? { description: 'Needs an access token bound to a client (POST /access?client_id=).' } : {}),
    security,
    parameters: parametersOf(spec),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

/** Builds the OpenAPI 3.0 document of the whole API from the zod schemas in `ROUTES`. */
export function buildOpenApiDocument(): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const routes: ReadonlyArray<readonly [string, RouteSpec]> = Object.entries(ROUTES);
  for (const [name, spec] of routes) {
    const path = spec.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    paths[path] = { ...paths[path], [spec.method.toLowerCase()]: operationOf(name, spec) };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Cairn API', version: String(API_VERSION) },
    components: {
      securitySchemes: {
        accessToken: { type: 'http', scheme: 'bearer' },
        userCookie: { type: 'apiKey', in: 'cookie', name: 'zuid' },
      },
    },
    paths,
  };
}
