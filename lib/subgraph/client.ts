/**
 * A small typed GraphQL client over Node's fetch for a subgraph endpoint: POST
 * `{ query, variables }`, a timeout per request, and failures classified as
 * SubgraphError. The API key goes into the URL (`{apiKey}` placeholder, The Graph
 * gateway's format) or an Authorization header, and is masked in every message.
 */
import { maskUrl } from "../runtime/mask";
import type { GraphQLRequest } from "./queries";

/** The Graph gateway: https://gateway.thegraph.com/api/<API_KEY>/subgraphs/id/<SUBGRAPH_ID>. */
export const API_KEY_PLACEHOLDER = "{apiKey}";
/** Uniswap V3 on Ethereum mainnet through The Graph's decentralized network. */
export const UNISWAP_V3_MAINNET_ENDPOINT = `https://gateway.thegraph.com/api/${API_KEY_PLACEHOLDER}/subgraphs/id/5zvR82QoaXYFyDEKLZ9t6v9adgnptxYpKpSbxtgVENFV`;

export type SubgraphFailure = "not-configured" | "timeout" | "network" | "http" | "graphql" | "invalid-response";

export class SubgraphError extends Error {
  constructor(
    public readonly kind: SubgraphFailure,
    message: string,
    public readonly details: { status?: number; errors?: string[] } = {},
  ) {
    super(message);
    this.name = "SubgraphError";
  }

  /** Transport failures may pass; a refused query or a malformed answer will not by itself. */
  get transient(): boolean {
    return this.kind === "timeout" || this.kind === "network" || this.kind === "http";
  }
}

export interface SubgraphEndpointConfig {
  endpoint: string;
  apiKey: string | null;
}

const MAX_MESSAGE = 500;

/** Removes the API key (raw or URL-encoded), a key-bearing gateway path segment and URL passwords from text. */
export function redact(text: string, apiKey: string | null | undefined): string {
  let out = text;
  if (apiKey) for (const form of new Set([apiKey, encodeURIComponent(apiKey)])) out = out.split(form).join("****");
  out = out.replace(/(\/api\/)[^/\s"']+(\/subgraphs\/)/g, "$1****$2");
  out = maskUrl(out);
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE)}…` : out;
}

/** The endpoint as it may be logged: no key, whichever way it was given. */
export function maskEndpoint(config: SubgraphEndpointConfig): string {
  return redact(config.endpoint.split(API_KEY_PLACEHOLDER).join("****"), config.apiKey);
}

/** The URL and headers of a request; a `{apiKey}` endpoint without a key is not usable. */
export function resolveEndpoint(config: SubgraphEndpointConfig): { url: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (config.endpoint.includes(API_KEY_PLACEHOLDER)) {
    if (!config.apiKey) throw new SubgraphError("not-configured", "The subgraph endpoint needs an API key: set SUBGRAPH_API_KEY or the service's apiKey setting");
    return { url: config.endpoint.split(API_KEY_PLACEHOLDER).join(encodeURIComponent(config.apiKey)), headers };
  }
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  return { url: config.endpoint, headers };
}

export interface SubgraphClientOptions extends SubgraphEndpointConfig {
  timeoutMs: number;
  fetch?: typeof fetch;
}

interface GraphQLResponse {
  data?: unknown;
  errors?: unknown;
}

function graphqlMessages(errors: unknown[]): string[] {
  return errors.map((e) => (e && typeof e === "object" && typeof (e as { message?: unknown }).message === "string" ? (e as { message: string }).message : JSON.stringify(e)));
}

export class SubgraphClient {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: SubgraphClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** The endpoint with the key masked, for logs. */
  get maskedEndpoint(): string {
    return maskEndpoint(this.options);
  }

  /** Sends one query; resolves with its `data` object, or rejects with a SubgraphError whose message holds no key. */
  async request<T = Record<string, unknown>>(request: GraphQLRequest): Promise<T> {
    const { url, headers } = resolveEndpoint(this.options);
    const key = this.options.apiKey;
    const where = this.maskedEndpoint;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(url, { method: "POST", headers, body: JSON.stringify(request), signal: AbortSignal.timeout(this.options.timeoutMs) });
      text = await res.text();
    } catch (err) {
      const e = err as Error & { cause?: { message?: string; code?: string } };
      if (e.name === "TimeoutError" || e.name === "AbortError") {
        throw new SubgraphError("timeout", `The subgraph at ${where} did not answer within ${this.options.timeoutMs} ms`);
      }
      const cause = e.cause?.code ?? e.cause?.message ?? e.message;
      throw new SubgraphError("network", redact(`The subgraph at ${where} is unreachable: ${cause}`, key));
    }

    let body: GraphQLResponse | null = null;
    try {
      body = JSON.parse(text) as GraphQLResponse;
    } catch {
      body = null;
    }
    const errors = body && Array.isArray(body.errors) && body.errors.length > 0 ? graphqlMessages(body.errors).map((m) => redact(m, key)) : null;

    if (!res.ok) {
      const detail = errors ? `: ${errors.join("; ")}` : "";
      throw new SubgraphError("http", redact(`The subgraph at ${where} answered HTTP ${res.status}${detail}`, key), { status: res.status, ...(errors ? { errors } : {}) });
    }
    if (errors) throw new SubgraphError("graphql", redact(`The subgraph refused the query: ${errors.join("; ")}`, key), { errors });
    if (!body || typeof body !== "object") throw new SubgraphError("invalid-response", `The subgraph at ${where} answered with something other than JSON`);
    if (!body.data || typeof body.data !== "object") throw new SubgraphError("invalid-response", `The subgraph at ${where} answered without a data object`);
    return body.data as T;
  }
}
