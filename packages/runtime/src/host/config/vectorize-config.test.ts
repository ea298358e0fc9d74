/** `[[vectorize]]` in aerostack.toml: parsing, validation messages, and the deployment settings it becomes. */
import { describe, expect, it } from "vitest";
import { DeploymentSettingsSchema } from "../../shared/protocol";
import { ConfigError } from "../errors";
import { deploymentSettings } from "../project/project";
import { parseProjectConfig } from "./load";

function parse(body: string) {
  return parseProjectConfig(`name = "vec"\n${body}`, "aerostack.toml");
}

/** The error lines for a config that must be rejected. */
function errors(body: string): string[] {
  try {
    parse(body);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message.split("\n").map((line) => line.trim().replace(/^- /, "")).filter(Boolean);
  }
  throw new Error("expected the config to be rejected");
}

function expectError(body: string, line: string): void {
  const lines = errors(body);
  expect(lines.some((l) => l.includes(line)), `expected a line containing:\n  ${line}\ngot:\n  ${lines.join("\n  ")}`).toBe(true);
}

describe("[[vectorize]]", () => {
  it("is absent by default and becomes an empty list in the deployment settings", () => {
    const config = parse("");
    expect(config.vectorize).toBeUndefined();
    expect(deploymentSettings(config).vectorize).toEqual([]);
    expect(DeploymentSettingsSchema.parse({ compatibilityDate: "2025-09-01" }).vectorize).toEqual([]);
  });

  it("parses indexes, defaults the binding to VECTORIZE, and carries them into the deployment settings", () => {
    const config = parse(`
[[vectorize]]
index = "docs"
dimensions = 384
metric = "cosine"

[[vectorize]]
binding = "IMAGES"
index = "images"
dimensions = 1536
metric = "dot-product"

[[vectorize]]
binding = "PLACES"
index = "places"
dimensions = 2
metric = "euclidean"
exact = true
`);
    const expected = [
      { binding: "VECTORIZE", index: "docs", dimensions: 384, metric: "cosine" },
      { binding: "IMAGES", index: "images", dimensions: 1536, metric: "dot-product" },
      { binding: "PLACES", index: "places", dimensions: 2, metric: "euclidean", exact: true },
    ];
    expect(config.vectorize).toEqual(expected);
    const settings = deploymentSettings(config);
    expect(settings.vectorize).toEqual(expected);
    // What the host sends is what the platform accepts.
    expect(DeploymentSettingsSchema.parse(settings).vectorize).toEqual(expected);
  });

  it("requires index, dimensions and metric", () => {
    const lines = errors("[[vectorize]]\n");
    expect(lines).toContain('vectorize[0].index: required (an index name such as "docs")');
    expect(lines).toContain("vectorize[0].dimensions: required (an integer from 1 to 1536)");
    expect(lines).toContain('vectorize[0].metric: required (one of "cosine", "euclidean", "dot-product")');
  });

  it("checks each value and says what was expected", () => {
    const table = (line: string) => `[[vectorize]]\nindex = "docs"\ndimensions = 3\nmetric = "cosine"\n${line}\n`;
    expectError('[[vectorize]]\nindex = "docs"\ndimensions = 0\nmetric = "cosine"\n', "vectorize[0].dimensions: expected an integer from 1 to 1536, got 0");
    expectError('[[vectorize]]\nindex = "docs"\ndimensions = 1537\nmetric = "cosine"\n', "vectorize[0].dimensions: expected an integer from 1 to 1536, got 1537");
    expectError('[[vectorize]]\nindex = "docs"\ndimensions = 3.5\nmetric = "cosine"\n', "vectorize[0].dimensions: expected an integer from 1 to 1536, got 3.5");
    expectError('[[vectorize]]\nindex = "docs"\ndimensions = 3\nmetric = "cosine"\nexact = "yes"\n', 'vectorize[0].exact: expected true or false, got "yes"');
    expectError('[[vectorize]]\nindex = "docs"\ndimensions = 3\nmetric = "l2"\n', 'vectorize[0].metric: expected one of "cosine", "euclidean", "dot-product", got "l2"');
    expectError('[[vectorize]]\nindex = "My_Docs"\ndimensions = 3\nmetric = "cosine"\n', 'vectorize[0].index: expected an index name: lowercase letters, digits and dashes');
    expectError(table('binding = "1BAD"'), "vectorize[0].binding: expected a name of letters, digits and underscores, not starting with a digit");
    expectError(table('binding = "CACHE"'), 'vectorize[0].binding: "CACHE" is reserved');
    expectError(table("colour = 1"), 'unknown key "vectorize[0].colour"');
    expectError('[vectorize]\nindex = "docs"\n', "vectorize: expected an array of tables ([[vectorize]] sections)");
  });

  it("rejects a binding name used twice, or also used by a var or a secret", () => {
    const two = `
[[vectorize]]
binding = "DOCS"
index = "a"
dimensions = 3
metric = "cosine"

[[vectorize]]
binding = "DOCS"
index = "b"
dimensions = 3
metric = "cosine"
`;
    expectError(two, 'vectorize[1].binding: "DOCS" is already the binding of vectorize[0]');
    expectError(`secrets = ["DOCS"]\n[vars]\nDOCS = "x"\n${two}`, 'vectorize[0].binding: "DOCS" is also a var in [vars]');
    expectError(`secrets = ["DOCS"]\n${two}`, 'vectorize[0].binding: "DOCS" is also listed in secrets');
  });

  it("lets two bindings share an index only with the same dimensions and metric", () => {
    const pair = (dims: number, metric: string) => `
[[vectorize]]
binding = "A"
index = "shared"
dimensions = 3
metric = "cosine"

[[vectorize]]
binding = "B"
index = "shared"
dimensions = ${dims}
metric = "${metric}"
`;
    expect(parse(pair(3, "cosine")).vectorize).toHaveLength(2);
    expectError(pair(4, "cosine"), 'vectorize[1].dimensions: index "shared" is declared in vectorize[0] with 3 dimensions and metric "cosine"');
    expectError(pair(3, "euclidean"), 'vectorize[1].metric: index "shared" is declared in vectorize[0]');
  });
});
