// Parity probe: one Worker run unchanged under `wrangler dev --local` and on Aerostack; each case calls a binding and reports JSON.
// Plain JavaScript with no imports, so both runtimes load the same text: wrangler bundles it, our deployScript stores it.
/* global ReadableStream, TextEncoder, TextDecoder, crypto, Response, Headers, FixedLengthStream */

/** Describes any value as JSON that keeps what JSON would lose (class, bytes, Dates, Maps), so two runtimes compare. */
function shape(value, seen = new Set()) {
  if (value === undefined) return { $undefined: true };
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0) ? value : { $number: String(value) };
  if (typeof value === "bigint") return { $bigint: String(value) };
  if (typeof value !== "object") return { $type: typeof value };
  if (seen.has(value)) return { $cycle: true };
  seen.add(value);
  try {
    if (value instanceof Date) return { $date: value.getTime() };
    if (value instanceof ArrayBuffer) return { $arrayBuffer: Array.from(new Uint8Array(value)) };
    if (ArrayBuffer.isView(value)) return { [`$${value.constructor.name}`]: Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
    if (value instanceof Map) return { $map: Array.from(value, ([k, v]) => [shape(k, seen), shape(v, seen)]) };
    if (value instanceof Set) return { $set: Array.from(value, (v) => shape(v, seen)) };
    if (value instanceof RegExp) return { $regexp: String(value) };
    if (value instanceof ReadableStream) return { $stream: true };
    if (value instanceof Error) return { $error: value.name, message: value.message };
    if (Array.isArray(value)) return value.map((v) => shape(v, seen));
    const out = {};
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) out.$class = "object"; // class names differ by design (R2Object vs StoredObject)
    for (const key of Object.keys(value).sort()) out[key] = shape(value[key], seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

/** An R2 object's description with the volatile fields (etag, version, upload time) replaced by their form. */
function r2(object) {
  if (object === null || object === undefined) return shape(object);
  const out = {
    key: object.key,
    size: object.size,
    etag: /^[0-9a-f]{32}(-\d+)?$/.test(object.etag) ? "<etag>" : object.etag,
    httpEtag: object.httpEtag === `"${object.etag}"` ? "<quoted etag>" : object.httpEtag,
    version: typeof object.version === "string" && object.version.length > 0 ? "<version>" : object.version,
    uploaded: object.uploaded instanceof Date ? "<Date>" : shape(object.uploaded),
    httpMetadata: shape(object.httpMetadata),
    customMetadata: shape(object.customMetadata),
    storageClass: object.storageClass,
    checksums: Object.fromEntries(Object.entries(typeof object.checksums?.toJSON === "function" ? object.checksums.toJSON() : object.checksums ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : shape(v)])),
    hasBody: "body" in object,
  };
  if (object.range) out.range = shape(object.range);
  return out;
}

/** D1's meta with volatile numbers replaced by their type (and the set of keys kept). */
function d1meta(meta) {
  const out = {};
  for (const key of Object.keys(meta ?? {}).sort()) {
    const v = meta[key];
    out[key] = ["duration", "size_after", "timings", "served_by", "served_by_region", "served_by_primary", "served_by_colo"].includes(key) ? `<${typeof v}>` : shape(v);
  }
  return out;
}
function d1(result) {
  return { ...shape({ ...result, meta: undefined }), meta: d1meta(result.meta) };
}

const enc = new TextEncoder();
const bytes = (n, fill = 97) => new Uint8Array(n).fill(fill);
async function hex(algorithm, data) {
  return Array.from(new Uint8Array(await crypto.subtle.digest(algorithm, typeof data === "string" ? enc.encode(data) : data)), (b) => b.toString(16).padStart(2, "0")).join("");
}
/** A stream whose length the runtime cannot know (not a request body, not a FixedLengthStream). */
function unknownLengthStream(text) {
  return new ReadableStream({ start(c) { c.enqueue(enc.encode(text)); c.close(); } });
}
const later = (ms) => new Date(Date.now() + ms);
/** A send's result: its metadata with the backlog figures as their types (wrangler reports 0s; a real queue, its backlog). */
function sent(result) {
  const metrics = result?.metadata?.metrics;
  return metrics ? { metadata: { metrics: Object.fromEntries(Object.keys(metrics).sort().map((k) => [k, typeof metrics[k]])) } } : shape(result);
}

/** Each case returns a value to compare; a throw is reported as its class and message. Names are `binding.call.what`. */
const CASES = {
  // ── D1 ──
  "db.setup": async (env) => {
    await env.DB.prepare("DROP TABLE IF EXISTS t").run();
    await env.DB.prepare("DROP TABLE IF EXISTS e").run();
    // Only success and results: last_row_id after DDL is whatever the connection last inserted (D1's own tables too).
    const { success, results } = await env.DB.prepare("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, data BLOB)").run();
    return { success, results };
  },
  "db.run.insert": async (env) => d1(await env.DB.prepare("INSERT INTO t (name, data) VALUES (?, ?)").bind("a", new Uint8Array([1, 2])).run()),
  "db.all": async (env) => d1(await env.DB.prepare("SELECT * FROM t").all()),
  "db.first": async (env) => shape(await env.DB.prepare("SELECT * FROM t").first()),
  "db.first.column": async (env) => shape(await env.DB.prepare("SELECT name FROM t").first("name")),
  "db.first.missing-column": async (env) => shape(await env.DB.prepare("SELECT name FROM t").first("nope")),
  "db.first.no-rows": async (env) => shape(await env.DB.prepare("SELECT * FROM t WHERE id = -1").first()),
  "db.raw": async (env) => shape(await env.DB.prepare("SELECT id, name FROM t").raw()),
  "db.raw.columnNames": async (env) => shape(await env.DB.prepare("SELECT id, name FROM t WHERE id = -1").raw({ columnNames: true })),
  "db.bind.undefined": async (env) => shape(await env.DB.prepare("SELECT ?").bind(undefined).all()),
  "db.bind.boolean": async (env) => shape((await env.DB.prepare("SELECT ? AS v").bind(true).first()).v),
  "db.bind.object": async (env) => shape(await env.DB.prepare("SELECT ?").bind({}).all()),
  "db.no-such-table": async (env) => shape(await env.DB.prepare("SELECT * FROM missing").all()),
  "db.syntax-error": async (env) => shape(await env.DB.prepare("SELEC 1").all()),
  "db.batch": async (env) => (await env.DB.batch([env.DB.prepare("INSERT INTO t (name) VALUES ('b')"), env.DB.prepare("SELECT count(*) AS n FROM t")])).map(d1),
  "db.batch.rollback": async (env) => {
    let error;
    try {
      await env.DB.batch([env.DB.prepare("INSERT INTO t (name) VALUES ('c')"), env.DB.prepare("INSERT INTO missing VALUES (1)")]);
    } catch (err) {
      error = shape(err);
    }
    return { error, count: (await env.DB.prepare("SELECT count(*) AS n FROM t").first("n")) };
  },
  "db.exec": async (env) => {
    const r = await env.DB.exec("CREATE TABLE e (x INTEGER);\nINSERT INTO e VALUES (1);\nINSERT INTO e VALUES (2)");
    return { count: r.count, duration: typeof r.duration, keys: Object.keys(r).sort() };
  },
  "db.exec.failing": async (env) => {
    let error;
    try {
      await env.DB.exec("INSERT INTO e VALUES (3);\nINSERT INTO missing VALUES (1);\nINSERT INTO e VALUES (4)");
    } catch (err) {
      error = { name: err.name, prefix: String(err.message).split(":")[0] };
    }
    return { error, rows: await env.DB.prepare("SELECT x FROM e ORDER BY x").raw() };
  },
  "db.exec.empty": async (env) => shape(await env.DB.exec("")),
  "db.unique": async (env) => {
    await env.DB.exec("CREATE TABLE IF NOT EXISTS u (k TEXT UNIQUE)");
    await env.DB.prepare("INSERT INTO u VALUES ('x')").run();
    return shape(await env.DB.prepare("INSERT INTO u VALUES ('x')").run());
  },
  "db.withSession": async (env) => shape({ bookmark: env.DB.withSession().getBookmark() }),

  // ── KV ──
  "kv.put.get": async (env) => {
    await env.CACHE.put("k1", "v1");
    return shape(await env.CACHE.get("k1"));
  },
  "kv.get.missing": async (env) => shape(await env.CACHE.get("nope")),
  "kv.get.json": async (env) => {
    await env.CACHE.put("j", JSON.stringify({ a: 1 }));
    return shape(await env.CACHE.get("j", "json"));
  },
  "kv.get.arrayBuffer": async (env) => shape(await env.CACHE.get("k1", { type: "arrayBuffer" })),
  "kv.get.stream": async (env) => new Response(await env.CACHE.get("k1", "stream")).text(),
  "kv.get.bad-type": async (env) => shape(await env.CACHE.get("k1", "blob")),
  "kv.get.bulk": async (env) => {
    await env.CACHE.put("b1", "one");
    await env.CACHE.put("b2", JSON.stringify([2]));
    return shape(await env.CACHE.get(["b1", "b2", "b-missing"]));
  },
  "kv.get.bulk.json": async (env) => shape(await env.CACHE.get(["b2"], "json")),
  "kv.get.bulk.json-invalid": async (env) => shape(await env.CACHE.get(["b1"], "json")),
  "kv.get.bulk.arrayBuffer": async (env) => shape(await env.CACHE.get(["b1"], "arrayBuffer")),
  "kv.get.bulk.too-many": async (env) => shape(await env.CACHE.get(Array.from({ length: 101 }, (_, i) => `k${i}`))),
  "kv.get.bulk.empty": async (env) => shape(await env.CACHE.get([])),
  "kv.getWithMetadata": async (env) => {
    await env.CACHE.put("m1", "v", { metadata: { tag: 1 } });
    return shape(await env.CACHE.getWithMetadata("m1"));
  },
  "kv.getWithMetadata.missing": async (env) => shape(await env.CACHE.getWithMetadata("nope")),
  "kv.getWithMetadata.bulk": async (env) => shape(await env.CACHE.getWithMetadata(["m1", "nope"])),
  "kv.put.number": async (env) => {
    await env.CACHE.put("n", 42);
    return shape(await env.CACHE.get("n"));
  },
  "kv.put.object": async (env) => {
    await env.CACHE.put("o", { a: 1 });
    return shape(await env.CACHE.get("o"));
  },
  "kv.put.null": async (env) => {
    await env.CACHE.put("nul", null);
    return shape(await env.CACHE.get("nul"));
  },
  "kv.put.undefined": async (env) => shape(await env.CACHE.put("undef", undefined)),
  "kv.put.boolean": async (env) => {
    await env.CACHE.put("bool", true);
    return shape(await env.CACHE.get("bool"));
  },
  "kv.put.ttl-string": async (env) => {
    await env.CACHE.put("ttls", "v", { expirationTtl: "120" });
    const listed = await env.CACHE.list({ prefix: "ttls" });
    return listed.keys.map((k) => ({ name: k.name, expirationSet: typeof k.expiration }));
  },
  "kv.put.ttl-30": async (env) => shape(await env.CACHE.put("ttl30", "v", { expirationTtl: 30 })),
  "kv.put.ttl-60": async (env) => shape(await env.CACHE.put("ttl60", "v", { expirationTtl: 60 })),
  "kv.put.expiration-past": async (env) => shape(await env.CACHE.put("exp", "v", { expiration: 1000 })),
  "kv.put.expiration-soon": async (env) => shape(await env.CACHE.put("exp", "v", { expiration: Math.floor(Date.now() / 1000) + 10 })),
  "kv.put.metadata-too-big": async (env) => shape(await env.CACHE.put("mb", "v", { metadata: { x: "a".repeat(1100) } })),
  "kv.put.key-too-long": async (env) => shape(await env.CACHE.put("k".repeat(513), "v")),
  "kv.put.key-empty": async (env) => shape(await env.CACHE.put("", "v")),
  "kv.get.key-too-long": async (env) => shape(await env.CACHE.get("k".repeat(513))),
  "kv.put.stream": async (env) => {
    await env.CACHE.put("s", unknownLengthStream("streamed"));
    return shape(await env.CACHE.get("s"));
  },
  "kv.list": async (env) => {
    await env.CACHE.put("l/a", "1", { metadata: { m: true } });
    await env.CACHE.put("l/b", "2");
    return shape(await env.CACHE.list({ prefix: "l/" }));
  },
  "kv.list.limit": async (env) => {
    const page = await env.CACHE.list({ prefix: "l/", limit: 1 });
    return { keys: page.keys.map((k) => k.name), list_complete: page.list_complete, cursor: typeof page.cursor, cacheStatus: shape(page.cacheStatus) };
  },
  "kv.delete": async (env) => {
    const result = await env.CACHE.delete("k1");
    return { result: shape(result), after: await env.CACHE.get("k1") };
  },

  // ── R2 ──
  "r2.put": async (env) => r2(await env.STORAGE.put("p/a.txt", "hello", { httpMetadata: { contentType: "text/plain" }, customMetadata: { owner: "me" } })),
  "r2.get": async (env) => {
    const object = await env.STORAGE.get("p/a.txt");
    return { ...r2(object), text: await object.text() };
  },
  "r2.get.missing": async (env) => shape(await env.STORAGE.get("p/missing")),
  "r2.get.range": async (env) => {
    const object = await env.STORAGE.get("p/a.txt", { range: { offset: 1, length: 3 } });
    return { ...r2(object), text: await object.text() };
  },
  "r2.get.onlyIf-fails": async (env) => r2(await env.STORAGE.get("p/a.txt", { onlyIf: { etagMatches: "0123" } })),
  "r2.head": async (env) => r2(await env.STORAGE.head("p/a.txt")),
  "r2.put.onlyIf.etagMatches-wrong": async (env) => {
    const result = await env.STORAGE.put("p/a.txt", "overwritten", { onlyIf: { etagMatches: "00000000000000000000000000000000" } });
    return { result: r2(result), now: await (await env.STORAGE.get("p/a.txt")).text() };
  },
  "r2.put.onlyIf.etagMatches-right": async (env) => {
    const current = await env.STORAGE.head("p/a.txt");
    const result = await env.STORAGE.put("p/a.txt", "hello2", { onlyIf: { etagMatches: current.etag } });
    return { result: r2(result), now: await (await env.STORAGE.get("p/a.txt")).text() };
  },
  "r2.put.onlyIf.etagDoesNotMatch-current": async (env) => {
    const current = await env.STORAGE.head("p/a.txt");
    const result = await env.STORAGE.put("p/a.txt", "clobbered", { onlyIf: { etagDoesNotMatch: current.etag } });
    return { result: r2(result), now: await (await env.STORAGE.get("p/a.txt")).text() };
  },
  "r2.put.onlyIf.etagDoesNotMatch-star-absent": async (env) => {
    await env.STORAGE.delete("p/new.txt");
    const first = await env.STORAGE.put("p/new.txt", "first", { onlyIf: { etagDoesNotMatch: "*" } });
    const second = await env.STORAGE.put("p/new.txt", "second", { onlyIf: { etagDoesNotMatch: "*" } });
    return { first: r2(first), second: r2(second), now: await (await env.STORAGE.get("p/new.txt")).text() };
  },
  "r2.put.onlyIf.uploadedBefore-past": async (env) => r2(await env.STORAGE.put("p/a.txt", "x", { onlyIf: { uploadedBefore: new Date(0) } })),
  "r2.put.onlyIf.uploadedAfter-future": async (env) => r2(await env.STORAGE.put("p/a.txt", "x", { onlyIf: { uploadedAfter: later(3600_000) } })),
  "r2.put.onlyIf.uploadedBefore-future": async (env) => r2(await env.STORAGE.put("p/b.txt", "b", { onlyIf: { uploadedBefore: later(3600_000) } })),
  "r2.put.onlyIf.headers": async (env) => r2(await env.STORAGE.put("p/a.txt", "x", { onlyIf: new Headers({ "if-match": '"00000000000000000000000000000000"' }) })),
  "r2.put.md5-right": async (env) => r2(await env.STORAGE.put("p/md5.txt", "hash me", { md5: await hex("MD5", "hash me") })),
  "r2.put.md5-wrong": async (env) => r2(await env.STORAGE.put("p/md5bad.txt", "hash me", { md5: await hex("MD5", "other") })),
  "r2.put.sha256-right": async (env) => r2(await env.STORAGE.put("p/sha.txt", "hash me", { sha256: await hex("SHA-256", "hash me") })),
  "r2.put.sha256-wrong": async (env) => r2(await env.STORAGE.put("p/shabad.txt", "hash me", { sha256: await hex("SHA-256", "other") })),
  "r2.put.sha256-wrong.stored": async (env) => shape(await env.STORAGE.head("p/shabad.txt")),
  "r2.put.sha1-right": async (env) => r2(await env.STORAGE.put("p/sha1.txt", "hash me", { sha1: await hex("SHA-1", "hash me") })),
  "r2.put.two-hashes": async (env) => r2(await env.STORAGE.put("p/two.txt", "hash me", { md5: await hex("MD5", "hash me"), sha256: await hex("SHA-256", "hash me") })),
  "r2.put.stream-unknown-length": async (env) => r2(await env.STORAGE.put("p/stream.txt", unknownLengthStream("streamed"))),
  "r2.put.stream-fixed-length": async (env) => {
    const { readable, writable } = new FixedLengthStream(8);
    const writer = writable.getWriter();
    writer.write(enc.encode("streamed"));
    writer.close();
    return r2(await env.STORAGE.put("p/fixed.txt", readable));
  },
  "r2.put.null": async (env) => r2(await env.STORAGE.put("p/empty", null)),
  "r2.put.number": async (env) => r2(await env.STORAGE.put("p/num", 42)),
  "r2.put.customMetadata-number": async (env) => r2(await env.STORAGE.put("p/cm", "v", { customMetadata: { n: 1 } })),
  "r2.list": async (env) => {
    const listed = await env.STORAGE.list({ prefix: "p/", delimiter: "/", limit: 2 });
    return { objects: listed.objects.map(r2), truncated: listed.truncated, cursor: typeof listed.cursor, delimitedPrefixes: listed.delimitedPrefixes };
  },
  "r2.list.include": async (env) => {
    const listed = await env.STORAGE.list({ prefix: "p/a", include: ["customMetadata", "httpMetadata"] });
    return listed.objects.map(r2);
  },
  "r2.delete": async (env) => {
    const result = await env.STORAGE.delete(["p/b.txt", "p/never"]);
    return { result: shape(result), after: shape(await env.STORAGE.head("p/b.txt")) };
  },
  "r2.multipart": async (env) => {
    const upload = await env.STORAGE.createMultipartUpload("mp/big.bin", { httpMetadata: { contentType: "application/x-test" }, customMetadata: { m: "1" } });
    const info = { key: upload.key, uploadId: typeof upload.uploadId };
    const part1 = await upload.uploadPart(1, bytes(5 * 1024 * 1024, 1));
    const resumed = env.STORAGE.resumeMultipartUpload("mp/big.bin", upload.uploadId);
    const part2 = await resumed.uploadPart(2, "tail");
    const object = await resumed.complete([part1, part2]);
    const back = await env.STORAGE.get("mp/big.bin");
    const body = new Uint8Array(await back.arrayBuffer());
    return {
      info,
      parts: [part1, part2].map((p) => ({ partNumber: p.partNumber, etag: typeof p.etag })),
      object: { ...r2(object), etag: /^[0-9a-f]{32}-2$/.test(object.etag) ? "<multipart etag>" : object.etag },
      size: body.length,
      head: body[0],
      tail: new TextDecoder().decode(body.subarray(body.length - 4)),
    };
  },
  "r2.multipart.abort": async (env) => {
    const upload = await env.STORAGE.createMultipartUpload("mp/aborted.bin");
    await upload.uploadPart(1, "data");
    const result = await upload.abort();
    let afterAbort;
    try {
      await upload.uploadPart(2, "more");
      afterAbort = "accepted";
    } catch (err) {
      afterAbort = { name: err.name };
    }
    return { result: shape(result), afterAbort, stored: shape(await env.STORAGE.head("mp/aborted.bin")) };
  },
  "r2.multipart.small-part": async (env) => {
    const upload = await env.STORAGE.createMultipartUpload("mp/small.bin");
    const p1 = await upload.uploadPart(1, "small");
    const p2 = await upload.uploadPart(2, "tail");
    return r2(await upload.complete([p1, p2]));
  },
  "r2.multipart.resume-unknown": async (env) => {
    const upload = env.STORAGE.resumeMultipartUpload("mp/x.bin", "not-an-upload-id");
    return shape(await upload.uploadPart(1, "data"));
  },

  // ── Queues (producer side; what the consumer received is read back from KV via /consumed) ──
  "queue.send.result-keys": async (env) => Object.keys(await env.QUEUE.send("keys")).sort(),
  "queue.send.text": async (env) => sent(await env.QUEUE.send("hello")),
  "queue.send.date-default": async (env) => sent(await env.QUEUE.send({ tag: "date-default", at: new Date(0) })),
  "queue.send.date-json": async (env) => sent(await env.QUEUE.send({ tag: "date-json", at: new Date(0) }, { contentType: "json" })),
  "queue.send.map-v8": async (env) => sent(await env.QUEUE.send({ tag: "map-v8", m: new Map([["a", 1]]), u: undefined }, { contentType: "v8" })),
  "queue.send.text-type": async (env) => sent(await env.QUEUE.send("as text", { contentType: "text" })),
  "queue.send.text-type-not-string": async (env) => sent(await env.QUEUE.send({ a: 1 }, { contentType: "text" })),
  "queue.send.bytes": async (env) => sent(await env.QUEUE.send(new Uint8Array([1, 2, 3]), { contentType: "bytes" })),
  "queue.send.bytes-not-bytes": async (env) => sent(await env.QUEUE.send("str", { contentType: "bytes" })),
  "queue.send.bad-type": async (env) => sent(await env.QUEUE.send("x", { contentType: "xml" })),
  "queue.send.function": async (env) => sent(await env.QUEUE.send({ tag: "fn-default", f() {} })),
  "queue.send.bytes-default": async (env) => sent(await env.QUEUE.send(new Uint16Array([258]))),
  "queue.send.json-function": async (env) => sent(await env.QUEUE.send({ tag: "json-fn", f() {} }, { contentType: "json" })),
  "queue.send.too-big": async (env) => sent(await env.QUEUE.send("a".repeat(128 * 1024 + 1))),
  "queue.send.delay-too-long": async (env) => sent(await env.QUEUE.send("late", { delaySeconds: 43201 })),
  "queue.sendBatch": async (env) => sent(await env.QUEUE.sendBatch([{ body: { tag: "batch-1" } }, { body: "batch-2", contentType: "text" }])),
  "queue.sendBatch.too-many": async (env) => sent(await env.QUEUE.sendBatch(Array.from({ length: 101 }, (_, i) => ({ body: i })))),
  "queue.sendBatch.too-big": async (env) => sent(await env.QUEUE.sendBatch(Array.from({ length: 3 }, () => ({ body: "a".repeat(100 * 1024), contentType: "text" })))),
  "queue.sendBatch.empty": async (env) => sent(await env.QUEUE.sendBatch([])),
};

/** Runs one case: its value, or the class and message of what it threw. */
async function runCase(name, env) {
  try {
    return { value: await CASES[name](env) };
  } catch (err) {
    return { threw: err instanceof Error ? err.constructor.name : typeof err, name: err?.name, message: String(err?.message ?? err) };
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/cases") return Response.json(Object.keys(CASES));
    if (url.pathname === "/run") {
      // Cases run in order (later ones read what earlier ones wrote), one request for all of them.
      const names = url.searchParams.get("only")?.split(",") ?? Object.keys(CASES);
      const out = {};
      for (const name of names) out[name] = await runCase(name, env);
      return Response.json(out);
    }
    if (url.pathname === "/consumed") {
      const listed = await env.CACHE.list({ prefix: "consumed/" });
      const out = [];
      for (const key of listed.keys) out.push(JSON.parse(await env.CACHE.get(key.name)));
      return Response.json(out);
    }
    return new Response("parity probe", { status: 404 });
  },

  /** Records what each message's body arrived as, and the queue's name, for the suite to compare. */
  async queue(batch, env) {
    // Each runtime names the queue after its config: wrangler.toml's queue, Aerostack's project (both "parity…").
    for (const message of batch.messages) {
      const body = shape(message.body);
      // Each probe message is findable by its text or its `tag`; other bodies by their kind (one of each is sent).
      const tag = typeof message.body === "string" ? message.body : typeof message.body?.tag === "string" ? message.body.tag : Object.prototype.toString.call(message.body).slice(8, -1);
      await env.CACHE.put(`consumed/${tag}`, JSON.stringify({ tag, queue: batch.queue === "parity-queue" || batch.queue === "parity" ? "<the queue's name>" : batch.queue, body, attempts: message.attempts, id: typeof message.id, timestamp: message.timestamp instanceof Date ? "<Date>" : typeof message.timestamp }));
      message.ack();
    }
  },
};
