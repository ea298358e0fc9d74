/** The OpenAPI 3.1 document, generated from the same route table and zod schemas that validate requests. */
import * as z from "zod/mini";
import { API_PREFIX, API_ROUTES, type RouteSpec } from "../../shared/api";
import { ERROR_CODES } from "../../shared/errors";

const ErrorBody = {
  type: "object",
  required: ["error"],
  properties: { error: { type: "object", required: ["code", "message"], properties: { code: { type: "string", enum: Object.keys(ERROR_CODES) }, message: { type: "string" } } } },
};

function schema(s: z.ZodMiniType, io: "input" | "output"): unknown {
  try {
    const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: "any" }) as Record<string, unknown>;
    return rest;
  } catch {
    return {};
  }
}

export function openApiDocument(version: string): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, route] of Object.entries(API_ROUTES) as [string, RouteSpec][]) {
    const path = `${API_PREFIX}${route.path.replace(/:([a-z]+)/g, "{$1}")}`;
    const parameters = [
      ...[...route.path.matchAll(/:([a-z]+)/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } })),
      ...Object.entries(route.query ?? {}).map(([q, description]) => ({ name: q, in: "query", required: false, description, schema: { type: "string" } })),
    ];
    (paths[path] ??= {})[route.method.toLowerCase()] = {
      operationId: name,
      summary: route.summary,
      ...(route.auth === "none" ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: { "application/json": { schema: schema(route.body, "input") } } } } : {}),
      responses: {
        "200": { description: "OK", content: { "application/json": { schema: schema(route.response, "output") } } },
        default: { description: "An error, with a stable code", content: { "application/json": { schema: ErrorBody } } },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Aerostack platform API", version },
    components: { securitySchemes: { accountKey: { type: "http", scheme: "bearer", description: "An account key, ak_…" } } },
    security: [{ accountKey: [] }],
    paths,
  };
}
