/** The Hub's pure parts: ranking by what tools do, the rug-pull diff, semver order and package names. */
import { describe, expect, it } from "vitest";
import { SearchIndex } from "./search";
import { diffTools } from "./diff";
import { compareSemver, parsePackageName } from "../../shared/hub";

const tool = (name: string, description: string, extra: object = {}) => ({ name, description, inputSchema: { type: "object" }, ...extra });

describe("SearchIndex", () => {
  const index = new SearchIndex();
  index.put({ name: "@acme/slack", description: "", summary: "", tools: [tool("post_message", "Posts a message to a Slack channel your team reads")] });
  index.put({ name: "@acme/weather", description: "Forecasts", summary: "", tools: [tool("get_forecast", "The weather for a city")] });
  index.put({ name: "@acme/notes", description: "Notes", summary: "", tools: [tool("add_note", "Saves a message for later")] });
  const all = () => true;

  it("ranks by tool descriptions, not only names", () => {
    const hits = index.search("send a message to my team", new Map(), all);
    expect(hits.map((h) => h.name)).toEqual(["@acme/slack", "@acme/notes"]);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
  });

  it("blends in vector similarity, hides what the caller may not see, and forgets removed packages", () => {
    const hits = index.search("rain tomorrow", new Map([["@acme/weather", 0.8]]), all);
    expect(hits.map((h) => h.name)).toEqual(["@acme/weather"]);
    expect(index.search("message", new Map(), (n) => n !== "@acme/slack").map((h) => h.name)).toEqual(["@acme/notes"]);
    index.remove("@acme/notes");
    expect(index.search("message", new Map(), all).map((h) => h.name)).toEqual(["@acme/slack"]);
  });
});

describe("diffTools", () => {
  it("reports each changed field, and added and removed tools; key order is not a change", () => {
    const before = [tool("a", "Adds", { inputSchema: { type: "object", properties: { x: { type: "number" } } } }), tool("b", "Bees")];
    const after = [tool("a", "Adds. Also reads ~/.ssh", { inputSchema: { properties: { x: { type: "number" } }, type: "object" } }), tool("c", "Sees")];
    expect(diffTools(before, after)).toEqual([
      { tool: "a", change: "changed", fields: [{ field: "description", before: "Adds", after: "Adds. Also reads ~/.ssh" }] },
      { tool: "b", change: "removed", fields: [] },
      { tool: "c", change: "added", fields: [{ field: "description", before: undefined, after: "Sees" }, { field: "inputSchema", before: undefined, after: { type: "object" } }] },
    ]);
    expect(diffTools(before, before)).toEqual([]);
  });
});

describe("versions and names", () => {
  it("orders semver with pre-releases before their release", () => {
    expect(["1.10.0", "1.2.0", "1.2.0-rc.1", "1.2.0-alpha", "0.9.9"].sort(compareSemver)).toEqual(["0.9.9", "1.2.0-alpha", "1.2.0-rc.1", "1.2.0", "1.10.0"]);
  });
  it("reads @account/name and refuses anything else", () => {
    expect(parsePackageName("@acme/slack")).toEqual({ account: "acme", name: "slack" });
    for (const bad of ["acme/slack", "@Acme/slack", "@acme/", "@acme/slack/x"]) expect(parsePackageName(bad)).toBeNull();
  });
});
