/** `--since` parsing, and reading and tailing logs against a real loopback server speaking the wire contract. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogEntry } from "../../shared/api";
import { UsageError } from "../errors";
import { startApiServer, type ApiServer } from "../fixtures/api-server";
import { ApiClient } from "./client";
import { parseSince, readLogs, tailLogs } from "./logs";

let server: ApiServer;
beforeAll(async () => {
  server = await startApiServer();
});
afterAll(() => server.close());

const entry = (id: number): LogEntry => ({ id, ts: 1_700_000_000_000 + id, type: "console", level: "log", requestId: "r1", version: "v1", message: `line ${id}` });

describe("parseSince", () => {
  it("takes durations ago and ISO dates", () => {
    const now = 1_700_000_000_000;
    expect(parseSince("30s", now)).toBe(now - 30_000);
    expect(parseSince("10m", now)).toBe(now - 600_000);
    expect(parseSince("1h", now)).toBe(now - 3_600_000);
    expect(parseSince("2d", now)).toBe(now - 172_800_000);
    expect(parseSince("2025-09-01T12:00:00Z", now)).toBe(Date.UTC(2025, 8, 1, 12));
  });

  it("anything else is a usage error with examples", () => {
    for (const bad of ["10", "yesterday", "1w", "May 1"]) expect(() => parseSince(bad)).toThrow(UsageError);
  });
});

describe("reading logs", () => {
  it("pages through a full page with ?after=cursor", async () => {
    const all = Array.from({ length: 1500 }, (_, i) => entry(i + 1));
    server.on("GET /api/v1/projects/app/logs", (req) => {
      const after = Number(req.query.get("after") ?? 0);
      const page = all.filter((e) => e.id > after).slice(0, Number(req.query.get("limit")));
      return { json: { entries: page, cursor: page.at(-1)?.id ?? after } };
    });
    const client = new ApiClient({ url: server.url, key: `ak_${"z".repeat(40)}` });
    const { entries, cursor } = await readLogs(client, { project: "app", env: "production" }, { since: 5 });
    expect(entries).toHaveLength(1500);
    expect(cursor).toBe(1500);
    expect(server.requests.at(-2)!.query.get("since")).toBe("5");
  });

  it("tail polls after the cursor until aborted, and rides out an unreachable platform", async () => {
    let served = 0;
    server.on("GET /api/v1/projects/tail/logs", (req) => {
      served++;
      const after = Number(req.query.get("after") ?? 0);
      return { json: { entries: served <= 3 ? [entry(after + 1)] : [], cursor: served <= 3 ? after + 1 : after } };
    });
    const client = new ApiClient({ url: server.url });
    const seen: number[] = [];
    const stop = new AbortController();
    await tailLogs(client, { project: "tail", env: "staging" }, {
      intervalMs: 10,
      signal: stop.signal,
      onEntries: (entries) => {
        seen.push(...entries.map((e) => e.id));
        if (seen.length === 3) setTimeout(() => stop.abort(), 30);
      },
    });
    expect(seen).toEqual([1, 2, 3]);
    const tails = server.requests.filter((r) => r.path.endsWith("/tail/logs"));
    expect(tails[0]!.query.get("since")).not.toBeNull();
    expect(tails[1]!.query.get("after")).toBe("1");
    expect(tails.every((r) => r.query.get("env") === "staging")).toBe(true);

    const gone = new ApiClient({ url: "http://127.0.0.1:9", timeoutMs: 1000 });
    const states: boolean[] = [];
    const stop2 = new AbortController();
    await tailLogs(gone, { project: "tail", env: "production" }, {
      intervalMs: 10,
      signal: stop2.signal,
      onEntries: () => {},
      onUnreachable: (down) => (states.push(down), stop2.abort()),
    });
    expect(states).toEqual([true]);
  });
});
