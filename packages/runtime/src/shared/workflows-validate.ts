/**
 * The checks a workflow definition passes before it may deploy, run by the CLI (so a mistake is caught before any
 * upload) and by the platform (which never trusts the upload): the schema of each node type's config, then the graph
 * — unknown node types, dangling edges, branches a node cannot take, unreachable nodes, cycles without a loop node,
 * references to nodes that cannot have run, bad interpolation paths, code_blocks over their limits. Every problem
 * names the node and the reason.
 */
import {
  NODE_BRANCHES,
  NODE_CONFIG_SCHEMAS,
  NODE_TYPES,
  WORKFLOW_LIMITS,
  WorkflowDefinitionSchema,
  type NodeType,
  type WorkflowDefinition,
  type WorkflowNode,
} from "./workflows";
import { parsePath, templatesIn } from "./workflows-paths";

export interface WorkflowProblem {
  /** The node the problem is about, when there is one. */
  node?: string;
  /** Where in the definition (`nodes[2].config.prompt`, `edges[4].to`). */
  path: string;
  message: string;
}

export type WorkflowCheck = { ok: true; definition: WorkflowDefinition } | { ok: false; problems: WorkflowProblem[] };

/** One line per problem, as the CLI and the API print them. */
export function formatProblems(problems: WorkflowProblem[]): string {
  return problems.map((p) => `${p.node ? `node "${p.node}"` : p.path}: ${p.node ? `${p.path ? `${p.path}: ` : ""}` : ""}${p.message}`).join("\n");
}

function issuePath(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === "number" ? `[${k}]` : `${i === 0 ? "" : "."}${String(k)}`)).join("");
}

export function validateWorkflow(raw: unknown): WorkflowCheck {
  const parsed = WorkflowDefinitionSchema.safeParse(raw);
  if (!parsed.success) {
    const nodes = (raw as { nodes?: { id?: unknown }[] } | null)?.nodes;
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => {
        const [top, index, ...rest] = issue.path;
        const id = top === "nodes" && typeof index === "number" ? nodes?.[index]?.id : undefined;
        return typeof id === "string" ? { node: id, path: issuePath(rest), message: issue.message } : { path: issuePath(issue.path), message: issue.message };
      }),
    };
  }
  const definition = parsed.data;
  const problems: WorkflowProblem[] = [];
  const byId = new Map<string, WorkflowNode>();
  definition.nodes.forEach((node, i) => {
    if (byId.has(node.id)) problems.push({ node: node.id, path: `nodes[${i}].id`, message: "another node has this id; ids must be unique" });
    byId.set(node.id, node);
  });
  for (const node of definition.nodes) checkNode(node, problems);
  if (problems.length) return { ok: false, problems };

  const triggers = definition.nodes.filter((n) => n.type === "trigger");
  if (triggers.length !== 1) problems.push({ path: "nodes", message: `a workflow has exactly one trigger node, this one has ${triggers.length}` });
  checkEdges(definition, byId, problems);
  checkReferences(definition, byId, problems);
  if (problems.length === 0 && triggers.length === 1) checkGraph(definition, byId, triggers[0]!.id, problems);
  return problems.length ? { ok: false, problems } : { ok: true, definition: withParsedConfigs(definition) };
}

/** The definition with each config replaced by its schema's output (defaults filled in). */
function withParsedConfigs(definition: WorkflowDefinition): WorkflowDefinition {
  return { ...definition, nodes: definition.nodes.map((n) => ({ ...n, config: NODE_CONFIG_SCHEMAS[n.type as NodeType].parse(n.config) as Record<string, unknown> })) };
}

/** A node on its own: known type, config matching its schema, type rules, code_block limits, template paths. */
function checkNode(node: WorkflowNode, problems: WorkflowProblem[]): void {
  const add = (path: string, message: string) => problems.push({ node: node.id, path, message });
  if (!(NODE_TYPES as string[]).includes(node.type)) {
    add("type", `unknown node type "${node.type}"; the node types are ${NODE_TYPES.join(", ")}`);
    return;
  }
  const type = node.type as NodeType;
  const config = NODE_CONFIG_SCHEMAS[type].safeParse(node.config);
  if (!config.success) {
    for (const issue of config.error.issues) add(`config${issue.path.length ? `.${issuePath(issue.path)}` : ""}`, issue.message);
    return;
  }
  const c = config.data as Record<string, unknown>;
  if (type === "logic" && (c.if === undefined) === (c.switch === undefined)) add("config", "a logic node takes either `if` (a condition) or `switch` (a value and its cases), exactly one");
  if (type === "loop" && (c.over === undefined) === (c.until === undefined)) add("config", "a loop node takes either `over` (a list) or `until` (a condition), exactly one");
  if (type === "code_block") {
    const code = c.code as string;
    if (code.length > WORKFLOW_LIMITS.maxCodeChars) add("config.code", `is ${code.length} characters; a code_block holds at most ${WORKFLOW_LIMITS.maxCodeChars} (move the logic into a function and call it with mcp_tool)`);
    if ((c.cpuMs as number) > WORKFLOW_LIMITS.maxCodeCpuMs) add("config.cpuMs", `is ${String(c.cpuMs)}; a code_block may use at most ${WORKFLOW_LIMITS.maxCodeCpuMs} ms of CPU`);
  }
  if (type === "code_block" && templatesIn(c.code).length) add("config.code", "code is not interpolated: pass values in through `input` and read them from the function's argument");
  for (const { at, text } of templatesIn(type === "code_block" ? c.input : node.config)) {
    const path = parsePath(text);
    if (!path.ok) add(`config${at ? `.${at}` : ""}`, path.reason);
  }
}

function checkEdges(definition: WorkflowDefinition, byId: Map<string, WorkflowNode>, problems: WorkflowProblem[]): void {
  definition.edges.forEach((edge, i) => {
    const from = byId.get(edge.from);
    if (!from) problems.push({ path: `edges[${i}].from`, message: `dangling edge: no node "${edge.from}" (edge ${edge.from} → ${edge.to})` });
    if (!byId.has(edge.to)) problems.push({ ...(from ? { node: from.id } : {}), path: `edges[${i}].to`, message: `dangling edge: no node "${edge.to}" (edge ${edge.from} → ${edge.to})` });
    if (!from) return;
    const to = byId.get(edge.to);
    if (to?.type === "trigger") problems.push({ node: from.id, path: `edges[${i}]`, message: "no edge may lead into the trigger" });
    if (to?.type === "error_handler") problems.push({ node: from.id, path: `edges[${i}]`, message: `"${to.id}" is an error_handler: it is entered when a node it catches fails, never by an edge` });
    const allowed = branchesOf(from);
    if (!allowed.includes(edge.on)) {
      problems.push({ node: from.id, path: `edges[${i}].on`, message: `a ${from.type} node has no branch "${edge.on}"; it takes ${allowed.map((b) => `"${b}"`).join(", ")}` });
    }
  });
  for (const node of definition.nodes) {
    if (node.type === "parallel") {
      const join = (node.config as { join?: string }).join ?? "";
      if (!byId.has(join)) problems.push({ node: node.id, path: "config.join", message: `no node "${join}" to join at` });
    }
    if (node.type === "error_handler") {
      for (const id of (node.config as { catch?: string[] }).catch ?? []) if (!byId.has(id)) problems.push({ node: node.id, path: "config.catch", message: `no node "${id}" to catch` });
    }
  }
}

/** The branches a node's outgoing edges may name. */
export function branchesOf(node: WorkflowNode): string[] {
  const own = NODE_BRANCHES[node.type as NodeType] ?? [];
  const cases = node.type === "logic" ? ((node.config as { cases?: string[] }).cases ?? []) : [];
  return ["next", ...own, ...cases, ...(node.onError === "branch" ? ["error"] : [])];
}

/** Nodes each node can reach by one or more edges (error_handlers are reached from the nodes they catch). */
function successors(definition: WorkflowDefinition): Map<string, Set<string>> {
  const next = new Map<string, Set<string>>(definition.nodes.map((n) => [n.id, new Set<string>()]));
  for (const e of definition.edges) next.get(e.from)?.add(e.to);
  for (const n of definition.nodes) {
    if (n.type !== "error_handler") continue;
    const caught = (n.config as { catch?: string[] }).catch ?? definition.nodes.filter((m) => m.type !== "error_handler").map((m) => m.id);
    for (const id of caught) next.get(id)?.add(n.id);
  }
  return next;
}

function reachableFrom(start: string, next: Map<string, Set<string>>, skip?: (id: string) => boolean): Set<string> {
  const seen = new Set<string>();
  const stack = [...(next.get(start) ?? [])];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id) || skip?.(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return seen;
}

/** `nodes.<id>` in a node's templates must name a node with a path to this one: otherwise it cannot have run yet. */
function checkReferences(definition: WorkflowDefinition, byId: Map<string, WorkflowNode>, problems: WorkflowProblem[]): void {
  const next = successors(definition);
  const reach = new Map<string, Set<string>>();
  const reaches = (from: string) => reach.get(from) ?? (reach.set(from, reachableFrom(from, next)), reach.get(from)!);
  for (const node of definition.nodes) {
    const source = node.type === "code_block" ? (node.config as { input?: unknown }).input : node.config;
    for (const { at, text } of templatesIn(source)) {
      const parsed = parsePath(text);
      if (!parsed.ok || parsed.path.root !== "nodes") continue;
      const target = String(parsed.path.segments[0]);
      const where = `config${at ? `.${at}` : ""}`;
      if (!byId.has(target)) problems.push({ node: node.id, path: where, message: `"{{ ${text} }}" names no node: there is no node "${target}"` });
      else if (!reaches(target).has(node.id)) {
        problems.push({ node: node.id, path: where, message: `"{{ ${text} }}" refers to "${target}", which cannot have run before "${node.id}" (no path leads from "${target}" to "${node.id}")` });
      }
    }
  }
}

/** Every node reachable from the trigger (or an error_handler), and every cycle passing through a loop node. */
function checkGraph(definition: WorkflowDefinition, byId: Map<string, WorkflowNode>, trigger: string, problems: WorkflowProblem[]): void {
  const next = successors(definition);
  const reached = new Set([trigger, ...reachableFrom(trigger, next)]);
  for (const node of definition.nodes) {
    if (!reached.has(node.id)) problems.push({ node: node.id, path: "", message: `unreachable: no path from the trigger "${trigger}" leads here; connect it with an edge or remove it` });
  }
  // A cycle that avoids every loop node has no cap: look for one in the graph without loop nodes.
  const isLoop = (id: string) => byId.get(id)?.type === "loop";
  const edges = new Map<string, string[]>();
  for (const e of definition.edges) if (!isLoop(e.from) && !isLoop(e.to)) edges.set(e.from, [...(edges.get(e.from) ?? []), e.to]);
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    state.set(id, "open");
    stack.push(id);
    for (const to of edges.get(id) ?? []) {
      if (state.get(to) === "open") return stack.slice(stack.indexOf(to));
      if (!state.has(to)) {
        const found = visit(to);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, "done");
    return null;
  };
  for (const node of definition.nodes) {
    if (state.has(node.id)) continue;
    const cycle = visit(node.id);
    if (cycle) {
      problems.push({ node: cycle[0]!, path: "", message: `cycle without a loop node: ${[...cycle, cycle[0]].join(" → ")}; repeat work through a loop node (it caps the iterations)` });
      return;
    }
  }
}
