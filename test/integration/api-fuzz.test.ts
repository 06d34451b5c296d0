/**
 * API fuzz: the embedded system behind the real gateway, logged in as admin; every operation
 * of /api/openapi.json gets bodies, path and query params of wrong types, missing and extra
 * fields, huge and non-finite numbers (as raw JSON text), NUL and very long strings, deep
 * JSON, oversized and malformed bodies. No answer may be a server error: bad input is a 4xx
 * naming what is wrong, a missing external system a 503 that says so, and every answer must be one
 * the document describes for its operation (status and body, test/support/openapi-validator.ts). Deterministic (seeded),
 * bounded in count; every failure is printed with its request and response.
 */
import type { ServiceBroker } from "moleculer";
import { Prng } from "../../lib/paper/prng";
import { createNode } from "../../services";
import { testEnv } from "../support/env";
import { startGateway } from "../support/http";
import { operationCount, settledOpenApiDoc } from "../support/openapi-doc";
import { OpenApiValidator } from "../support/openapi-validator";

jest.setTimeout(180_000);

// FUZZ_SEED=<n> explores other picks; CI runs the fixed one.
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const CONCURRENCY = 8;
const PER_PROPERTY = 5;
const MAX_PROPERTIES = 10;

type Schema = { type?: string; enum?: unknown[]; pattern?: string; minimum?: number; maximum?: number; items?: Schema; properties?: Record<string, Schema>; required?: string[]; $ref?: string; oneOf?: Schema[]; anyOf?: Schema[] };
type Parameter = { name: string; in: "path" | "query"; required?: boolean; schema?: Schema };
type Operation = { operationId: string; parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: Schema }> } };

interface Probe {
  operationId: string;
  method: string;
  /** The operation's path template in the document. */
  template: string;
  path: string;
  body?: string;
  contentType?: string;
  label: string;
}

interface Failure {
  probe: Probe;
  status: number | "no answer";
  response: string;
}

/** Values that are wrong somewhere, as raw JSON text (1e309 cannot be written by JSON.stringify). */
const LONG = "x".repeat(5_000);
const WRONG_JSON = [
  "1e309", "-1e309", "-0", "18446744073709551616", "-18446744073709551617", "1e-400", "123456789012345678901234567890.5", "-1", "0", "1.5",
  "true", "null", "[]", "[1,2,3]", "{}", '{"$gt":""}', '""', '" "', '"\\u0000"', '"a\\u0000b"', '"\\ud800"', `"${LONG}"`,
  '"1e309"', '"-0"', '"NaN"', '"Infinity"', '"18446744073709551616"', '"../../../etc/passwd"', '"\' OR 1=1 --"', '"<script>alert(1)</script>"', '"0x"',
];
const ALWAYS_JSON = ["1e309", '"a\\u0000b"'];
const WRONG_PATH = ["%00", "..", "%2e%2e", "x".repeat(3_000), "%ZZ", "-1", "1e309", "%F0%9F%9A%80", "0x", "null", "%20", "18446744073709551616", "-0", "a%00b"];
const WRONG_QUERY = ["", "%00", "1e309", "-0", "x".repeat(5_000), "18446744073709551616", "true", "NaN", "-1", "%ZZ", "[]", "%7B%7D"];
const DEEP = 10_000;

function deref(schema: Schema | undefined, doc: { components?: { schemas?: Record<string, Schema> } }): Schema {
  if (!schema) return {};
  if (schema.$ref) return deref(doc.components?.schemas?.[schema.$ref.split("/").pop() ?? ""], doc);
  return schema;
}

/** Valid values of the embedded system for common field names, so that one wrong field at a time reaches past the others. */
const HINTS: Record<string, string> = {
  exchange: "paper", venue: "paper", symbol: "BTC/USDT", base: "BTC", quote: "USDT", account: "dev-1",
  token: "USDC", tokenIn: "WETH", tokenOut: "USDC", tokenA: "WETH", tokenB: "USDC",
  amount: "0.001", amountIn: "0.001", amountA: "0.001", amountB: "3", price: "1000", text: "fuzz text",
};

/** A plausible value for a schema: wrong values are put in its place one field at a time. */
function baseline(schema: Schema, name?: string): unknown {
  const s = schema.oneOf?.[0] ?? schema.anyOf?.[0] ?? schema;
  if (s.enum && s.enum.length > 0) return s.enum[0];
  if (name !== undefined && HINTS[name] !== undefined && (s.type === "string" || s.type === undefined)) return HINTS[name];
  switch (s.type) {
    case "integer":
    case "number":
      return s.minimum !== undefined && s.minimum > 0 ? s.minimum : 987654;
    case "boolean":
      return false;
    case "array":
      return s.items ? [baseline(s.items)] : [];
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s.properties ?? {})) if (s.required?.includes(k) || HINTS[k] !== undefined) out[k] = baseline(v, k);
      return out;
    }
    default:
      if (s.pattern?.includes("0-9a-fA-F]{40}")) return "0x00000000000000000000000000000000000000fa";
      if (s.pattern?.includes("0-9a-fA-F]{64}")) return `0x${"ab".repeat(32)}`;
      if (s.pattern?.includes("\\d")) return "987654";
      return "fuzz-value";
  }
}

function pathValue(schema: Schema | undefined, name?: string): string {
  const v = baseline(schema ?? { type: "string" }, name);
  return encodeURIComponent(typeof v === "string" ? v : JSON.stringify(v));
}

/** Every probe for one operation, picked deterministically from the seeded stream. */
function probesFor(method: string, template: string, op: Operation, doc: object, rng: Prng): Probe[] {
  const probes: Probe[] = [];
  const params = (op.parameters ?? []).map((p) => ({ ...p, schema: deref(p.schema, doc) }));
  const pathParams = params.filter((p) => p.in === "path");
  const queryParams = params.filter((p) => p.in === "query");
  const pathWith = (override: Record<string, string> = {}) =>
    template.replace(/\{([^}]+)\}/g, (_m, name: string) => override[name] ?? pathValue(pathParams.find((p) => p.name === name)?.schema, name));
  const query = (entries: Array<[string, string]>) => (entries.length ? `?${entries.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join("&")}` : "");
  const baseQuery: Array<[string, string]> = queryParams.filter((p) => p.required || HINTS[p.name] !== undefined).map((p) => [p.name, pathValue(p.schema, p.name)]);
  const add = (label: string, path: string, body?: string, contentType = "application/json") =>
    probes.push({ operationId: op.operationId, method, template, path, label, ...(body !== undefined ? { body, contentType } : {}) });
  const pick = <T>(list: readonly T[], n: number): T[] => {
    const pool = [...list];
    const out: T[] = [];
    while (out.length < n && pool.length > 0) out.push(pool.splice(rng.int(pool.length), 1)[0]);
    return out;
  };

  // Path parameters: each one wrong in turn.
  for (const p of pathParams) for (const v of WRONG_PATH) add(`path ${p.name}=${v.slice(0, 20)}`, `${pathWith({ [p.name]: v })}${query(baseQuery)}`);

  // Query parameters: wrong values, repeated, missing, extra.
  add("query: none", pathWith());
  add("query: extra", `${pathWith()}${query([...baseQuery, ["extraField", "1"], ["__proto__[polluted]", "1"]])}`);
  for (const p of queryParams.slice(0, MAX_PROPERTIES)) {
    for (const v of pick(WRONG_QUERY, PER_PROPERTY)) add(`query ${p.name}=${v.slice(0, 20)}`, `${pathWith()}${query([...baseQuery.filter(([k]) => k !== p.name), [p.name, v]])}`);
    add(`query ${p.name} repeated`, `${pathWith()}${query([...baseQuery.filter(([k]) => k !== p.name), [p.name, "1"], [p.name, "2"]])}`);
  }

  const bodySchema = deref(op.requestBody?.content?.["application/json"]?.schema, doc);
  if (!["POST", "PUT", "PATCH"].includes(method)) return probes;
  const url = `${pathWith()}${query(baseQuery)}`;
  const base = baseline(bodySchema) as Record<string, unknown>;
  const baseJson = JSON.stringify(base ?? {});
  const withField = (name: string, raw: string) => {
    const rest = JSON.stringify({ ...(base && typeof base === "object" ? base : {}), [name]: undefined });
    return rest === "{}" ? `{${JSON.stringify(name)}:${raw}}` : `{${JSON.stringify(name)}:${raw},${rest.slice(1)}`;
  };
  add("body: baseline", url, baseJson);
  add("body: empty object", url, "{}");
  add("body: no body", url, "");
  add("body: extra fields", url, `{"extraField":1,"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},${baseJson.slice(1)}`.replace(/,}$/, "}"));
  for (const raw of ["[]", '"text"', "123", "null", "1e309", "-0"]) add(`body: ${raw}`, url, raw);
  add("body: invalid JSON", url, '{"a":');
  add("body: text/plain", url, "hello", "text/plain");
  add("body: deep array", url, `${"[".repeat(DEEP)}${"]".repeat(DEEP)}`);
  add("body: deep object", url, `${'{"a":'.repeat(DEEP)}1${"}".repeat(DEEP)}`);
  add("body: oversized", url, JSON.stringify({ blob: "y".repeat(150 * 1024) }));
  const props = Object.keys(bodySchema.properties ?? {}).slice(0, MAX_PROPERTIES);
  for (const name of props) {
    for (const raw of new Set([...ALWAYS_JSON, ...pick(WRONG_JSON, PER_PROPERTY)])) add(`body ${name}=${raw.slice(0, 24)}`, url, withField(name, raw));
    add(`body ${name}=deep`, url, withField(name, `${'{"a":'.repeat(DEEP)}1${"}".repeat(DEEP)}`));
    add(`body ${name} missing`, url, JSON.stringify({ ...(base ?? {}), [name]: undefined }));
  }
  return probes;
}

describe("API fuzz: no input makes the server fail", () => {
  const env = testEnv({
    SERVICES: "api,auth,config,keys,cex,fee,subgraph,wallet,notification,alerting,liquidity,dex,monitoring,db-maintenance,arbitrage,market-maker,backtest",
    RATE_LIMIT_PER_MINUTE: "1000000",
    MAINTENANCE_CRON: "off",
    MASTER_KEY: "fuzz master key for the test keystore",
  });
  let broker: ServiceBroker;
  let base: string;
  let token: string;

  beforeAll(async () => {
    broker = createNode(env, { logger: false });
    ({ base, token } = await startGateway(broker));
  });
  afterAll(async () => {
    await broker?.stop();
    env.cleanup();
  });

  it("answers every malformed request of every operation with less than 500 (or a 503 naming the missing system)", async () => {
    type Doc = { paths: Record<string, Record<string, Operation>>; tags: Array<{ name: string }>; components?: { schemas?: Record<string, Schema> } };
    const doc = await settledOpenApiDoc<Doc>(base);
    const rng = new Prng(SEED);
    const probes: Probe[] = [];
    for (const template of Object.keys(doc.paths).sort()) {
      for (const [method, op] of Object.entries(doc.paths[template])) {
        probes.push(...probesFor(method.toUpperCase(), template, op, doc, rng.fork(`${method} ${template}`)));
      }
    }
    const operations = operationCount(doc);

    const failures: Failure[] = [];
    // Every answer, error or not, must be one the document describes for the operation.
    const validator = new OpenApiValidator(doc as never);
    const undocumented: string[] = [];
    let checked = 0;
    const statuses = new Map<number, number>();
    const msByOperation = new Map<string, number>();
    const unavailable = new Set<string>();
    const began = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < probes.length) {
        const probe = probes[next++];
        const headers: Record<string, string> = { authorization: `Bearer ${token}` };
        if (probe.body !== undefined) headers["content-type"] = probe.contentType ?? "application/json";
        const started = performance.now();
        try {
          const res = await fetch(base + probe.path, { method: probe.method, headers, body: probe.body, signal: AbortSignal.timeout(10_000) });
          const text = await res.text();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const namesIt = res.status === 503 && /"message":"[^"]{10,}/.test(text);
          if (res.status === 503) unavailable.add(`${probe.operationId}: ${text.slice(0, 160)}`);
          if (res.status >= 500 && !namesIt) failures.push({ probe, status: res.status, response: text.slice(0, 400) });
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* checked as text: fails any JSON schema */
          }
          // A path with ".." segments is normalized by the URL parser into another route: not this operation's answer.
          const sameRoute = new URL(base + probe.path).pathname === probe.path.split("?")[0];
          const { problems } = sameRoute ? validator.check(probe.method, probe.template, res.status, body) : { problems: [] };
          if (sameRoute) checked++;
          if (problems.length > 0) undocumented.push(`${res.status} ${probe.method} ${probe.path.slice(0, 120)} [${probe.label}]: ${problems.join("; ")} → ${text.slice(0, 200)}`);
        } catch (err) {
          failures.push({ probe, status: "no answer", response: (err as Error).message });
        }
        msByOperation.set(probe.operationId, (msByOperation.get(probe.operationId) ?? 0) + performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const line = (f: Failure) => `${f.status} ${f.probe.method} ${f.probe.path.slice(0, 160)} [${f.probe.label}] body=${(f.probe.body ?? "").slice(0, 160)}\n    → ${f.response}`;
    const report = failures.map(line);
    // eslint-disable-next-line no-console
    console.log(`api fuzz: ${probes.length} requests over ${operations} operations (seed ${SEED}); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; ${report.length} failures${report.length ? `:\n${report.join("\n")}` : ""}`);
    const elapsed = Math.round(performance.now() - began);
    const slowest = [...msByOperation].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([id, ms]) => `${id} ${Math.round(ms)} ms`);
    // eslint-disable-next-line no-console
    console.log(`api fuzz: ${elapsed} ms with ${CONCURRENCY} concurrent callers; slowest operations (summed request time): ${slowest.join(", ")}\n503 answers (a missing external system, named): ${[...unavailable].slice(0, 12).join("\n  ")}`);
    expect(report).toEqual([]);
    // eslint-disable-next-line no-console
    console.log(`api fuzz: ${checked} answers checked against the document, ${undocumented.length} it does not describe${undocumented.length ? `:\n${undocumented.slice(0, 40).join("\n")}` : ""}`);
    expect(undocumented.slice(0, 40)).toEqual([]);
  });
});
