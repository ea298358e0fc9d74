/**
 * The JSON Schema of a workflow definition, generated from the zod schemas in workflows.ts (never written by hand,
 * so the two cannot drift): editors complete and check `workflow.json` with it. Each node's `config` is tied to
 * its `type` with an if/then per node type. The template ships the generated file; its test checks it is current.
 */
import * as z from "zod/mini";
import { NODE_CONFIG_SCHEMAS, NODE_TYPES, WorkflowDefinitionSchema } from "./workflows";

type JsonSchema = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>> };

const toSchema = (schema: z.ZodMiniType): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  return rest;
};

export function workflowJsonSchema(): Record<string, unknown> {
  const root = toSchema(WorkflowDefinitionSchema);
  const nodes = root.properties!.nodes as { items: JsonSchema };
  const node = nodes.items;
  node.properties!.type = { enum: [...NODE_TYPES], description: "the node type; its config is checked against that type's schema" };
  node.allOf = NODE_TYPES.map((type) => ({
    if: { properties: { type: { const: type } }, required: ["type"] },
    then: { properties: { config: toSchema(NODE_CONFIG_SCHEMAS[type]) } },
  }));
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://aerostack.dev/schemas/workflow.json",
    title: "Aerostack workflow definition",
    ...root,
  };
}
