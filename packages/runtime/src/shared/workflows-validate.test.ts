// The definition checks the CLI and the platform share: each refusal names the node and the reason, a good definition
// passes with its configs' defaults filled in, and the JSON Schema for editors is generated from the same zod schemas.
import { describe, expect, it } from "vitest";
import { formatProblems, validateWorkflow } from "./workflows-validate";
import { parsePath } from "./workflows-paths";
import { workflowJsonSchema } from "./workflows-json-schema";
import { NODE_TYPES, type WorkflowDefinitionInput } from "./workflows";

const trigger = { id: "start", type: "trigger" };
const setVar = (id: string, value: unknown = 1) => ({ id, type: "set_variable", config: { name: id, value } });
const chain = (...ids: string[]) => ids.slice(1).map((to, i) => ({ from: ids[i]!, to }));

function problems(def: Partial<WorkflowDefinitionInput> & { nodes: unknown[] }): string {
  const result = validateWorkflow({ name: "wf", ...def });
  if (result.ok) throw new Error("expected the definition to be refused");
  return formatProblems(result.problems);
}

describe("workflow definition checks", () => {
  it("accepts a good definition and fills in config defaults", () => {
    const result = validateWorkflow({
      name: "refunds",
      nodes: [trigger, { id: "check", type: "logic", config: { if: { left: "{{ trigger.body.total }}", op: "gt", right: 500 } } }, { id: "ask", type: "human_handoff", config: { message: "Refund {{ trigger.body.total }}?" } }, { id: "done", type: "end" }],
      edges: [{ from: "start", to: "check" }, { from: "check", to: "ask", on: "true" }, { from: "check", to: "done", on: "false" }, { from: "ask", to: "done", on: "approved" }],
    });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.definition.nodes[2]!.config).toMatchObject({ waitMs: 7 * 24 * 60 * 60 * 1000 });
  });

  it("refuses an unknown node type, naming the node and the known types", () => {
    expect(problems({ nodes: [trigger, { id: "x", type: "teleport" }], edges: chain("start", "x") })).toMatch(/node "x": type: unknown node type "teleport"; the node types are trigger, set_variable/);
  });

  it("refuses a dangling edge and a branch the node does not have", () => {
    expect(problems({ nodes: [trigger, setVar("a")], edges: [...chain("start", "a"), { from: "a", to: "ghost" }] })).toMatch(/node "a": edges\[1\]\.to: dangling edge: no node "ghost"/);
    expect(problems({ nodes: [trigger, setVar("a"), setVar("b")], edges: [...chain("start", "a"), { from: "a", to: "b", on: "true" }] })).toMatch(/node "a": edges\[1\]\.on: a set_variable node has no branch "true"/);
  });

  it("refuses an unreachable node", () => {
    expect(problems({ nodes: [trigger, setVar("a"), setVar("island")], edges: chain("start", "a") })).toMatch(/node "island": unreachable: no path from the trigger "start"/);
  });

  it("refuses a cycle without a loop node, and accepts one through a loop node", () => {
    expect(problems({ nodes: [trigger, setVar("a"), setVar("b")], edges: [...chain("start", "a", "b"), { from: "b", to: "a" }] })).toMatch(/cycle without a loop node: a → b → a/);
    const looped = validateWorkflow({
      name: "wf",
      nodes: [trigger, { id: "each", type: "loop", config: { over: "{{ trigger.body.items }}" } }, setVar("body", "{{ nodes.each.output.item }}"), { id: "done", type: "end" }],
      edges: [...chain("start", "each"), { from: "each", to: "body", on: "body" }, { from: "body", to: "each" }, { from: "each", to: "done", on: "done" }],
    });
    expect(looped.ok).toBe(true);
  });

  it("refuses a reference to a node that cannot have run, and one to no node", () => {
    expect(problems({ nodes: [trigger, setVar("a", "{{ nodes.b.output }}"), setVar("b")], edges: chain("start", "a", "b") })).toMatch(/node "a": config\.value: "\{\{ nodes\.b\.output \}\}" refers to "b", which cannot have run before "a"/);
    expect(problems({ nodes: [trigger, setVar("a", "{{ nodes.nope.output }}")], edges: chain("start", "a") })).toMatch(/there is no node "nope"/);
  });

  it("refuses bad interpolation paths: code, unknown roots, bad segments", () => {
    expect(problems({ nodes: [trigger, setVar("a", "{{ process.env.KEY }}")], edges: chain("start", "a") })).toMatch(/node "a": config\.value: .*must start with trigger, nodes, vars/);
    expect(problems({ nodes: [trigger, setVar("a", "{{ vars.x + 1 }}")], edges: chain("start", "a") })).toMatch(/is not a data path/);
    expect(problems({ nodes: [trigger, setVar("a", "{{ nodes.start }}")], edges: chain("start", "a") })).toMatch(/nodes\.<id>\.output/);
    expect(parsePath("trigger.body.items[2].email")).toEqual({ ok: true, path: { root: "trigger", segments: ["body", "items", 2, "email"] } });
  });

  it("refuses a code_block over its limits", () => {
    const big = { id: "js", type: "code_block", config: { code: "return 1;".repeat(5000) } };
    expect(problems({ nodes: [trigger, big], edges: chain("start", "js") })).toMatch(/node "js": config\.code: is 45000 characters; a code_block holds at most 32768/);
    const hungry = { id: "js", type: "code_block", config: { code: "return 1", cpuMs: 60_000 } };
    expect(problems({ nodes: [trigger, hungry], edges: chain("start", "js") })).toMatch(/node "js": config\.cpuMs: is 60000; a code_block may use at most 5000 ms/);
  });

  it("names the node whose config does not match its type's schema", () => {
    expect(problems({ nodes: [trigger, { id: "ask", type: "llm_call", config: {} }], edges: chain("start", "ask") })).toMatch(/node "ask": config\.prompt: /);
    expect(problems({ nodes: [trigger, trigger], edges: [] })).toMatch(/ids must be unique/);
  });

  it("generates a JSON Schema tying each node type to its config", () => {
    const schema = workflowJsonSchema() as { properties: { nodes: { items: { allOf: { if: { properties: { type: { const: string } } }; then: { properties: { config: { required?: string[] } } } }[] } } } };
    const rules = schema.properties.nodes.items.allOf;
    expect(rules.map((r) => r.if.properties.type.const)).toEqual(NODE_TYPES);
    expect(rules.find((r) => r.if.properties.type.const === "llm_call")!.then.properties.config.required).toContain("prompt");
  });
});

describe("the workflow template", () => {
  it("ships the JSON Schema generated from the current zod schemas, and a definition that passes the checks", async () => {
    const { readFile } = await import("node:fs/promises");
    const dir = new URL("../../../templates/workflow/", import.meta.url);
    const shipped = JSON.parse(await readFile(new URL("workflow.schema.json", dir), "utf8")) as unknown;
    // Regenerate with workflowJsonSchema() when this fails: the file is what editors complete workflow.json from.
    expect(shipped).toEqual(JSON.parse(JSON.stringify(workflowJsonSchema())));
    const definition = JSON.parse(await readFile(new URL("workflow.json", dir), "utf8")) as Record<string, unknown>;
    expect(validateWorkflow({ name: "approvals", ...definition }).ok).toBe(true);
  });
});
