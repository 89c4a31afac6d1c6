import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RouteSpec } from '../../../protocol';
import { buildOpenApiDocument, ROUTES } from '../../../protocol';

const routes: ReadonlyArray<readonly [string, RouteSpec]> = Object.entries(ROUTES);

describe('route table', () => {
  it('declares a params schema with exactly the parameters of each path', () => {
    for (const [name, spec] of routes) {
      const inPath = [...spec.path.matchAll(/:([a-z]+)/gi)].map((match) => match[1]).sort();
      const schema = spec.params;
      const declared = schema instanceof z.ZodObject ? Object.keys(schema.shape).sort() : [];
      expect(declared, name).toEqual(inPath);
    }
  });

  it('has one route per method and path', () => {
    const keys = routes.map(([, spec]) => `${spec.method} ${spec.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('documents every route in the OpenAPI document', () => {
    const document = buildOpenApiDocument();
    const paths = z.record(z.string(), z.record(z.string(), z.object({ operationId: z.string() }))).parse(document.paths);
    const operations = Object.values(paths).flatMap((methods) => Object.values(methods).map((operation) => operation.operationId));
    expect(operations.sort()).toEqual(routes.map(([name]) => name).sort());
  });
});
