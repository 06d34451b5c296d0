/**
 * A local stand-in for The Graph's gateway serving the Uniswap V3 subgraph: a real
 * HTTP server on 127.0.0.1 at /api/<API_KEY>/subgraphs/id/<ID> that takes POST
 * `{ query, variables }`, parses the query (root fields, arguments, `$variables`,
 * selection sets) and answers from fixture entities with the schema's field names,
 * returning only the selected fields. Controls make it fail (HTTP 500, GraphQL
 * errors, hang) and count requests.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Entity = Record<string, unknown>;

export interface SubgraphFixtures {
  tokens: Entity[];
  /** Pools with `token0`/`token1` as token ids (resolved on query). */
  pools: Entity[];
  /** Day data with `pool` as a pool id. */
  poolDayDatas: Entity[];
  bundle: { id: string; ethPriceUSD: string };
}

export type FailureMode = "http500" | "graphql" | "hang" | null;

export interface FakeSubgraph {
  /** Endpoint template with the `{apiKey}` placeholder, as the service's setting takes it. */
  endpoint: string;
  apiKey: string;
  requests: number;
  lastBody: { query: string; variables?: Record<string, unknown> } | null;
  fixtures: SubgraphFixtures;
  fail(mode: FailureMode): void;
  close(): Promise<void>;
}

export const SUBGRAPH_ID = "5zvR82QoaXYFyDEKLZ9t6v9adgnptxYpKpSbxtgVENFV";

// ---------------------------------------------------------------- a small GraphQL reader

type Value = string | number | boolean | null | { $var: string } | { $enum: string } | Value[] | { [k: string]: Value };
interface Field {
  name: string;
  alias: string;
  args: Record<string, Value>;
  selection: Field[] | null;
}

function tokenize(src: string): string[] {
  const re = /\s*(?:#[^\n]*\n?|("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\.\.\.|[{}()\[\]:,$!=@]))/gy;
  const out: string[] = [];
  let m: RegExpExecArray | null;
  while (re.lastIndex < src.length && (m = re.exec(src))) {
    const tok = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (tok !== undefined && tok !== ",") out.push(tok);
  }
  if (re.lastIndex < src.trimEnd().length) throw new Error(`Syntax Error: unexpected character at ${re.lastIndex}`);
  return out;
}

class Reader {
  private i = 0;
  constructor(private readonly toks: string[]) {}
  peek(): string | undefined {
    return this.toks[this.i];
  }
  next(): string {
    const t = this.toks[this.i++];
    if (t === undefined) throw new Error("Syntax Error: unexpected end of document");
    return t;
  }
  expect(t: string): void {
    const got = this.next();
    if (got !== t) throw new Error(`Syntax Error: expected "${t}", found "${got}"`);
  }

  document(): Field[] {
    if (this.peek() === "query") {
      this.next();
      if (this.peek() !== "(" && this.peek() !== "{") this.next(); // operation name
      if (this.peek() === "(") {
        // variable definitions: skip to the matching ")"
        let depth = 0;
        do {
          const t = this.next();
          if (t === "(") depth++;
          if (t === ")") depth--;
        } while (depth > 0);
      }
    }
    return this.selection();
  }

  selection(): Field[] {
    this.expect("{");
    const fields: Field[] = [];
    while (this.peek() !== "}") {
      let name = this.next();
      let alias = name;
      if (this.peek() === ":") {
        this.next();
        name = this.next();
      }
      const args: Record<string, Value> = {};
      if (this.peek() === "(") {
        this.next();
        while (this.peek() !== ")") {
          const arg = this.next();
          this.expect(":");
          args[arg] = this.value();
        }
        this.next();
      }
      fields.push({ name, alias, args, selection: this.peek() === "{" ? this.selection() : null });
    }
    this.next();
    return fields;
  }

  value(): Value {
    const t = this.next();
    if (t === "$") return { $var: this.next() };
    if (t.startsWith('"')) return JSON.parse(t) as string;
    if (/^-?\d/.test(t)) return Number(t);
    if (t === "true" || t === "false") return t === "true";
    if (t === "null") return null;
    if (t === "[") {
      const items: Value[] = [];
      while (this.peek() !== "]") items.push(this.value());
      this.next();
      return items;
    }
    if (t === "{") {
      const obj: Record<string, Value> = {};
      while (this.peek() !== "}") {
        const k = this.next();
        this.expect(":");
        obj[k] = this.value();
      }
      this.next();
      return obj;
    }
    return { $enum: t };
  }
}

function resolve(value: Value, vars: Record<string, unknown>): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => resolve(v, vars));
  if ("$var" in value && typeof value.$var === "string") {
    if (!(value.$var in vars)) throw new Error(`Variable "$${value.$var}" is not defined`);
    return vars[value.$var];
  }
  if ("$enum" in value && typeof value.$enum === "string") return value.$enum;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v as Value, vars)]));
}

// ---------------------------------------------------------------- the schema's entities

/** Fields of each entity type this fake knows (a subset of Uniswap/v3-subgraph schema.graphql). */
const TYPES: Record<string, Record<string, string | null>> = {
  Token: { id: null, symbol: null, name: null, decimals: null, totalSupply: null, volume: null, volumeUSD: null, untrackedVolumeUSD: null, feesUSD: null, txCount: null, poolCount: null, totalValueLocked: null, totalValueLockedUSD: null, totalValueLockedUSDUntracked: null, derivedETH: null },
  Pool: {
    id: null, createdAtTimestamp: null, createdAtBlockNumber: null, token0: "Token", token1: "Token", feeTier: null, liquidity: null, sqrtPrice: null, token0Price: null, token1Price: null, tick: null,
    observationIndex: null, volumeToken0: null, volumeToken1: null, volumeUSD: null, untrackedVolumeUSD: null, feesUSD: null, txCount: null, collectedFeesToken0: null, collectedFeesToken1: null,
    collectedFeesUSD: null, totalValueLockedToken0: null, totalValueLockedToken1: null, totalValueLockedETH: null, totalValueLockedUSD: null, totalValueLockedUSDUntracked: null, liquidityProviderCount: null,
  },
  PoolDayData: { id: null, date: null, pool: "Pool", liquidity: null, sqrtPrice: null, token0Price: null, token1Price: null, tick: null, tvlUSD: null, volumeToken0: null, volumeToken1: null, volumeUSD: null, feesUSD: null, txCount: null, open: null, high: null, low: null, close: null },
  Bundle: { id: null, ethPriceUSD: null },
};

const NUMERIC = /^-?\d+(\.\d+)?$/;

function compare(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string" && NUMERIC.test(a) && NUMERIC.test(b)) {
    const d = Number(a) - Number(b); // fixtures only: ordering, never returned
    return d;
  }
  return String(a).localeCompare(String(b));
}

function matches(entity: Entity, where: Record<string, unknown>): boolean {
  return Object.entries(where).every(([k, v]) => {
    const m = /^(.*?)(_gte|_gt|_lte|_lt|_in|_not)?$/.exec(k)!;
    const field = m[1];
    const actual = entity[field];
    switch (m[2]) {
      case "_gte": return compare(actual, v) >= 0;
      case "_gt": return compare(actual, v) > 0;
      case "_lte": return compare(actual, v) <= 0;
      case "_lt": return compare(actual, v) < 0;
      case "_in": return Array.isArray(v) && v.includes(actual);
      case "_not": return actual !== v;
      default: return actual === v;
    }
  });
}

export function startFakeSubgraph(opts: { apiKey?: string; fixtures: SubgraphFixtures }): Promise<FakeSubgraph> {
  const apiKey = opts.apiKey ?? "fake-graph-api-key-0123456789";
  let mode: FailureMode = null;
  const hanging = new Set<http.ServerResponse>();

  const project = (type: string, entity: Entity, selection: Field[]): Entity => {
    const out: Entity = {};
    for (const f of selection) {
      if (f.name === "__typename") {
        out[f.alias] = type;
        continue;
      }
      if (!(f.name in TYPES[type])) throw new Error(`Type \`${type}\` has no field \`${f.name}\``);
      const ref = TYPES[type][f.name];
      const raw = entity[f.name];
      if (ref) {
        if (!f.selection) throw new Error(`Field \`${f.name}\` of type \`${ref}\` must have a selection of subfields`);
        const target = lookup(ref, raw as string);
        out[f.alias] = target ? project(ref, target, f.selection) : null;
      } else {
        out[f.alias] = raw === undefined ? null : raw; // a fixture may leave a field out to test validation
      }
    }
    return out;
  };

  const lookup = (type: string, id: string): Entity | undefined => {
    const f = server.fixtures;
    const all: Entity[] = type === "Token" ? f.tokens : type === "Pool" ? f.pools : type === "Bundle" ? [f.bundle] : f.poolDayDatas;
    return all.find((e) => e.id === id);
  };

  const collection = (type: string, list: Entity[], args: Record<string, unknown>): Entity[] => {
    let rows = list.filter((e) => matches(e, (args.where as Record<string, unknown>) ?? {}));
    if (args.orderBy !== undefined) {
      const by = String(args.orderBy);
      if (!(by in TYPES[type])) throw new Error(`Invalid value provided for argument \`orderBy\`: ${by}`);
      const dir = args.orderDirection === "desc" ? -1 : 1;
      rows = [...rows].sort((a, b) => dir * compare(a[by], b[by]));
    }
    const skip = Number(args.skip ?? 0);
    const first = Number(args.first ?? 100);
    if (first > 1000) throw new Error("The `first` argument must be between 0 and 1000, but is " + first);
    return rows.slice(skip, skip + first);
  };

  const execute = (query: string, vars: Record<string, unknown>): Entity => {
    const data: Entity = {};
    for (const field of new Reader(tokenize(query)).document()) {
      const args = Object.fromEntries(Object.entries(field.args).map(([k, v]) => [k, resolve(v, vars)])) as Record<string, unknown>;
      const sel = field.selection ?? [];
      const f = server.fixtures;
      switch (field.name) {
        case "pools":
          data[field.alias] = collection("Pool", f.pools, args).map((e) => project("Pool", e, sel));
          break;
        case "poolDayDatas":
          data[field.alias] = collection("PoolDayData", f.poolDayDatas, args).map((e) => project("PoolDayData", e, sel));
          break;
        case "tokens":
          data[field.alias] = collection("Token", f.tokens, args).map((e) => project("Token", e, sel));
          break;
        case "token":
        case "pool":
        case "bundle": {
          const type = field.name === "token" ? "Token" : field.name === "pool" ? "Pool" : "Bundle";
          const found = lookup(type, String(args.id));
          data[field.alias] = found ? project(type, found, sel) : null;
          break;
        }
        default:
          throw new Error(`Type \`Query\` has no field \`${field.name}\``);
      }
    }
    return data;
  };

  const httpServer = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
    req.on("end", () => {
      server.requests++;
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const m = /^\/api\/([^/]+)\/subgraphs\/id\/([^/]+)$/.exec(path);
      if (!m || m[2] !== SUBGRAPH_ID) return send(404, { errors: [{ message: "subgraph not found" }] });
      if (decodeURIComponent(m[1]) !== apiKey) return send(401, { errors: [{ message: "auth error: malformed API key" }] });
      if (req.method !== "POST") return send(405, { errors: [{ message: "POST a GraphQL request" }] });
      if (mode === "hang") {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      }
      if (mode === "http500") return send(500, { errors: [{ message: "Internal server error" }] });
      if (mode === "graphql") return send(200, { errors: [{ message: "bad indexers: BadResponse(indexer unavailable)" }] });
      let body: { query?: unknown; variables?: Record<string, unknown> };
      try {
        body = JSON.parse(raw) as typeof body;
      } catch {
        return send(400, { errors: [{ message: "body is not JSON" }] });
      }
      if (typeof body.query !== "string") return send(400, { errors: [{ message: "missing query" }] });
      server.lastBody = { query: body.query, variables: body.variables };
      try {
        send(200, { data: execute(body.query, body.variables ?? {}) });
      } catch (err) {
        send(200, { errors: [{ message: (err as Error).message }] });
      }
    });
  });

  const server: FakeSubgraph = {
    endpoint: "",
    apiKey,
    requests: 0,
    lastBody: null,
    fixtures: opts.fixtures,
    fail(next) {
      mode = next;
      if (next !== "hang") for (const res of hanging) res.destroy();
    },
    close() {
      for (const res of hanging) res.destroy();
      return new Promise((resolve) => {
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
      });
    },
  };

  return new Promise((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(0, "127.0.0.1", () => {
      const { port } = httpServer.address() as AddressInfo;
      server.endpoint = `http://127.0.0.1:${port}/api/{apiKey}/subgraphs/id/${SUBGRAPH_ID}`;
      resolve(server);
    });
  });
}

// ---------------------------------------------------------------- fixtures in the real schema

const USDC = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48";
const WETH = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2";
const WBTC = "0x2260fac5e5542a773aa44fbcfedf7c193bc2c599";
const DAI = "0x6b175474e89094c44da98b954eedeac495271d0f";

export const ADDRESSES = {
  USDC,
  WETH,
  WBTC,
  DAI,
  USDC_WETH_005: "0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640",
  WBTC_WETH_03: "0xcbcdf9626bc03e24f779434178a73a0b4bad62ed",
  DAI_USDC_001: "0x5777d92f208679db4b9778590fa3cab3ac9e2168",
};

function token(id: string, symbol: string, name: string, decimals: string, derivedETH: string): Entity {
  return { id, symbol, name, decimals, totalSupply: "0", volume: "0", volumeUSD: "0", untrackedVolumeUSD: "0", feesUSD: "0", txCount: "0", poolCount: "0", totalValueLocked: "0", totalValueLockedUSD: "0", totalValueLockedUSDUntracked: "0", derivedETH };
}

function pool(id: string, token0: string, token1: string, feeTier: string, tvl: string, volume: string, extra: Entity = {}): Entity {
  return {
    id, token0, token1, feeTier, createdAtTimestamp: "1620250931", createdAtBlockNumber: "12376729", liquidity: "21624911305018302347", sqrtPrice: "1364927430618497917346427917064531", tick: "195800",
    token0Price: "3000.5", token1Price: "0.000333277787035494", observationIndex: "1", volumeToken0: "0", volumeToken1: "0", volumeUSD: volume, untrackedVolumeUSD: volume, feesUSD: "1234.5",
    txCount: "4012345", collectedFeesToken0: "0", collectedFeesToken1: "0", collectedFeesUSD: "0", totalValueLockedToken0: "98765432.123456", totalValueLockedToken1: "32100.5", totalValueLockedETH: "0",
    totalValueLockedUSD: tvl, totalValueLockedUSDUntracked: "0", liquidityProviderCount: "0", ...extra,
  };
}

/** Three pools whose TVL and volume orders differ, ten days of one pool's day data, four tokens and the ETH price. */
export function uniswapFixtures(nowMs = Date.now()): SubgraphFixtures {
  const today = Math.floor(nowMs / 1000 / 86_400) * 86_400;
  const days: Entity[] = [];
  for (let i = 9; i >= 0; i--) {
    const date = today - i * 86_400;
    days.push({
      id: `${ADDRESSES.USDC_WETH_005}-${date / 86_400}`, date, pool: ADDRESSES.USDC_WETH_005, liquidity: "1", sqrtPrice: "1", tick: "195800",
      token0Price: `300${i}.25`, token1Price: "0.000333", tvlUSD: `1500000${i}.5`, volumeToken0: "0", volumeToken1: "0", volumeUSD: `${100 + i}000000.125`, feesUSD: `${100 + i}00.0625`,
      txCount: `${1000 + i}`, open: "3000.1", high: "3100.2", low: "2900.3", close: "3050.4",
    });
  }
  // Another pool's day in the same window must not leak into the first pool's answer.
  days.push({ ...days[9], id: `${ADDRESSES.WBTC_WETH_03}-${today / 86_400}`, pool: ADDRESSES.WBTC_WETH_03, volumeUSD: "1" });
  return {
    tokens: [
      token(USDC, "USDC", "USD Coin", "6", "0.000333277787035494"),
      token(WETH, "WETH", "Wrapped Ether", "18", "1"),
      token(WBTC, "WBTC", "Wrapped BTC", "8", "20.123456789012345678"),
      token(DAI, "DAI", "Dai Stablecoin", "18", "0.0005"),
    ],
    pools: [
      pool(ADDRESSES.USDC_WETH_005, USDC, WETH, "500", "150000000.123456789012345678", "900000000000.5"),
      pool(ADDRESSES.WBTC_WETH_03, WBTC, WETH, "3000", "250000000.5", "120000000000.25"),
      pool(ADDRESSES.DAI_USDC_001, DAI, USDC, "100", "90000000.000000000000000001", "950000000000.75", { tick: null }),
    ],
    poolDayDatas: days,
    bundle: { id: "1", ethPriceUSD: "3000.5" },
  };
}
