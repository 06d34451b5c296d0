/**
 * The ccxt.pro client of a user data stream: the pro class of the venue's exchange id with
 * the same credentials and constructor overrides as its REST client (lib/cex/client.ts),
 * the REST client's markets, and two venue quirks kept here:
 * - ccxt.pro 4.5 creates internal futures nobody awaits (binance's subscribe "flight"); when
 *   the subscription fails they reject unhandled, which kills a Node process. Every future
 *   of this client gets a no-op handler (awaiting callers still see the rejection).
 * - Binance ends a WebSocket API subscription with `eventStreamTerminated` while the socket
 *   stays open; ccxt then forgets the subscription but leaves pending watches waiting
 *   forever. `onTerminated` is told so the caller can reconnect.
 */
import type { Balances, Order, Trade } from "ccxt";
import type { ExchangeClient, ExchangeCredentials } from "./client";

export interface UserStreamClient {
  readonly id: string;
  readonly has: Record<string, unknown>;
  watchOrders(symbol?: string): Promise<Order[]>;
  watchMyTrades(symbol?: string): Promise<Trade[]>;
  watchBalance(): Promise<Balances>;
  close(): Promise<void>;
}

type CcxtPro = Record<string, unknown>;
type WsClient = { future(hash: string): Promise<unknown>; reusableFuture?(hash: string): Promise<unknown>; __mmeshQuiet?: boolean };
type ProInstance = UserStreamClient & {
  loadHttpProxyAgent?(): Promise<unknown>;
  setMarkets(markets: unknown, currencies?: unknown): unknown;
  setSandboxMode?(enabled: boolean): void;
  client(url: string): WsClient;
  authenticate?(params?: Record<string, unknown>): Promise<unknown>;
  handleEventStreamTerminated?(client: unknown, message: unknown): void;
};

function loadCcxtPro(): CcxtPro | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require("ccxt") as { pro?: CcxtPro; default?: { pro?: CcxtPro } };
  return mod.pro ?? mod.default?.pro;
}

/** Whether ccxt.pro has a class for the exchange id with a private order or trade stream. */
export function hasUserStream(exchange: string): boolean {
  const Pro = loadCcxtPro()?.[exchange] as (new () => { has: Record<string, unknown> }) | undefined;
  if (typeof Pro !== "function") return false;
  const has = new Pro().has;
  return has["watchOrders"] === true || has["watchMyTrades"] === true;
}

/** Gives every future of every websocket client of `pro` a no-op rejection handler (see above). */
export function quietFutures(pro: { client(url: string): unknown }): void {
  const target = pro as unknown as ProInstance;
  const open = target.client.bind(target);
  target.client = (url: string) => {
    const ws = open(url);
    if (!ws.__mmeshQuiet) {
      ws.__mmeshQuiet = true;
      const future = ws.future.bind(ws);
      ws.future = (hash: string) => {
        const f = future(hash);
        f.catch(() => undefined);
        return f;
      };
    }
    return ws;
  };
}

export interface UserStreamClientOptions {
  exchange: string;
  credentials: ExchangeCredentials;
  /** The same ccxt constructor overrides as the venue's REST client (lib/cex/venues.ts). */
  overrides?: Record<string, unknown>;
  /** The venue's REST client, markets loaded: its markets are reused, its sandbox mode mirrored. */
  rest: ExchangeClient;
  /** The exchange ended the subscription while the socket stayed open. */
  onTerminated(): void;
}

export async function createUserStreamClient(options: UserStreamClientOptions): Promise<UserStreamClient> {
  const Pro = loadCcxtPro()?.[options.exchange] as (new (config: Record<string, unknown>) => ProInstance) | undefined;
  if (typeof Pro !== "function") throw new Error(`ccxt.pro has no class for "${options.exchange}"`);
  const { options: venueOptions, ...rest } = (options.overrides ?? {}) as { options?: Record<string, unknown> };
  const pro = new Pro({
    apiKey: options.credentials.apiKey,
    secret: options.credentials.secret,
    password: options.credentials.password,
    enableRateLimit: true,
    ...rest,
    options: { ...venueOptions },
  });
  const restClient = options.rest as ExchangeClient & { markets?: unknown; currencies?: unknown; isSandboxModeEnabled?: boolean };
  if (restClient.isSandboxModeEnabled) pro.setSandboxMode?.(true);
  // ccxt.pro needs its proxy agents loaded before it can dial ws:// URLs
  await pro.loadHttpProxyAgent?.();
  if (restClient.markets) pro.setMarkets(restClient.markets, restClient.currencies);
  quietFutures(pro);
  const terminated = pro.handleEventStreamTerminated;
  if (typeof terminated === "function") {
    pro.handleEventStreamTerminated = function (client: unknown, message: unknown) {
      terminated.call(this, client, message);
      options.onTerminated();
    };
  }
  return pro;
}

/**
 * Resolves once the private stream is subscribed, where the venue lets us know: ccxt.pro's
 * binance subscribes (spot: WebSocket API userDataStream.subscribe.signature) in
 * `authenticate`. Elsewhere the first watch call subscribes and this resolves at once.
 */
export async function subscribeUserStream(client: UserStreamClient): Promise<void> {
  const pro = client as ProInstance;
  if (client.id === "binance" && typeof pro.authenticate === "function") await pro.authenticate();
}
