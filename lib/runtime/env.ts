/**
 * Reads mmesh's runtime settings from the environment. Everything that changes
 * between the embedded default and a distributed deployment is decided here, and
 * a malformed value stops start-up with a message naming the variable.
 */
import os from "node:os";
import path from "node:path";
import { Cron } from "croner";
import { maskUrl } from "./mask";
import { isCcxtExchange, loadCcxt } from "../cex/ccxt-ids";
import { VenueConfigError, venueConfig } from "../cex/venue-settings";

export const KNOWN_SERVICES = ["api", "auth", "config", "keys", "cex", "fee", "subgraph", "wallet", "notification", "alerting", "cex-price-feed", "liquidity", "dex", "dex-price-feed", "monitoring", "db-maintenance", "arbitrage", "market-maker", "backtest"] as const;
export type ServiceName = (typeof KNOWN_SERVICES)[number];

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type DatabaseSettings =
  | { dialect: "sqlite"; storage: string }
  | { dialect: "postgres"; url: string };

export interface RuntimeEnv {
  nodeID: string;
  namespace: string;
  logLevel: LogLevel;
  transporter: string | null;
  cacher: { type: "Memory" } | { type: "Redis"; url: string };
  database: DatabaseSettings;
  services: ServiceName[];
  apiPort: number;
  apiHost: string;
  metricsPort: number | null;
  /** METRICS_HOST: the interface /metrics listens on; default API_HOST (loopback unless the operator opens the API). */
  metricsHost: string;
  /** METRICS_TOKEN: bearer token /metrics requires (401 without it); null: none. */
  metricsToken: string | null;
  amqpUrl: string | null;
  dataDir: string;
  adminPassword: string | null;
  jwtSecret: string | null;
  masterKey: string | null;
  keystore: { backend: "file"; path: string } | { backend: "aws"; region: string; prefix: string; endpoint: string | null };
  rateLimitPerMinute: number;
  bodyLimit: string;
  corsOrigins: string[] | null;
  /** EVM JSON-RPC endpoint; null: the embedded in-process chain with Uniswap deployed at start. */
  rpcUrl: string | null;
  /** Expected chain id (checked against the endpoint); null: whatever the chain reports (31337 embedded). */
  chainId: number | null;
  /**
   * CHAIN_DEPLOYMENT_URL: where the RPC_URL chain's deployment description (Uniswap addresses, tokens,
   * pools) is fetched from at start (`npm run chain` serves it on GET /deployment.json); null: read
   * <DATA_DIR>/chain/deployment.json. For pods that share no volume with the chain (k8s).
   */
  chainDeploymentUrl: string | null;
  /** Overrides of the subgraph service's settings (SUBGRAPH_URL, SUBGRAPH_API_KEY); null: use the settings. */
  subgraph: { url: string | null; apiKey: string | null };
  /** Notification channels (TELEGRAM_*, SMTP_URL, NOTIFY_EMAIL_*); null/empty: that channel is off. Secrets never logged. */
  notification: NotificationEnv;
  /** Days db-maintenance keeps ticks, final orders, resolved alerts (RETENTION_DAYS, default 30); fills and PnL are kept. */
  retentionDays: number;
  /** The alert history table (alerting): at most ALERT_HISTORY_LIMIT transitions (default 10 000), none older than ALERT_HISTORY_DAYS (default 90). */
  alertHistory: { limit: number; retentionDays: number };
  /** Backtest runs: BACKTEST_KEEP_RUNS finished runs kept (default 200); BACKTEST_MAX_ACTIVE jobs queued or running per node (default 20). */
  backtest: { keepRuns: number; maxActive: number };
  /** Cron schedule of db-maintenance's retention + VACUUM/ANALYZE + stats run (MAINTENANCE_CRON, default "0 3 * * *", UTC); null: "off". */
  maintenanceCron: string | null;
  /** DEMO_BOT: seed an Avellaneda-Stoikov bot on the paper BTC/USDT market when no strategy exists yet (default on in embedded mode). */
  demoBot: boolean;
  /** PAPER_EXTRA_MARKETS: synthetic quiet paper markets M001/USDT… added to the paper venue (benchmarks); default 0. */
  paperExtraMarkets: number;
  /** PROBE_INTERVAL_MS: how often the monitoring service probes the servers (mmesh_server_up); default 10 000. */
  probeIntervalMs: number;
  /**
   * EXCHANGE_OVERRIDES: JSON of ccxt constructor fields per exchange id, merged over mmesh's
   * defaults by cex and cex-price-feed (testnet or proxy URLs, a local simulator, options).
   * Credentials are refused here: they belong in the keystore.
   */
  exchangeOverrides: Record<string, Record<string, unknown>>;
  /** CLOUDWATCH_EMF: monitoring writes business metrics as CloudWatch Embedded Metric Format lines to stdout (lib/monitoring/cloudwatch-emf.ts); default off. */
  cloudWatchEmf: boolean;
}

export interface NotificationEnv {
  telegramBotToken: string | null;
  telegramApiUrl: string;
  /** Chats that receive notifications and may send commands. */
  telegramChatIds: string[];
  smtpUrl: string | null;
  emailFrom: string | null;
  emailTo: string[];
}

export class EnvError extends Error {
  constructor(public readonly variable: string, detail: string) {
    super(`Invalid environment variable ${variable}: ${detail}`);
    this.name = "EnvError";
  }
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string): string | null {
  const value = env[name]?.trim();
  return value ? value : null;
}

function port(env: Env, name: string, fallback: number): number {
  const raw = text(env, name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) {
    throw new EnvError(name, `expected a port number 0-65535, got "${raw}"`);
  }
  return Number(raw);
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = text(env, name);
  if (raw === null) return fallback;
  if (!/^[1-9]\d*$/.test(raw)) throw new EnvError(name, `expected a positive integer, got "${raw}"`);
  return Number(raw);
}

function transporter(env: Env): string | null {
  const raw = text(env, "TRANSPORTER");
  if (raw === null || raw.toLowerCase() === "none") return null;
  if (!/^(nats|amqps?):\/\/[^\s]+$/.test(raw)) {
    throw new EnvError("TRANSPORTER", `expected nats://host:port or amqp://user:pass@host:port, got "${maskUrl(raw)}"`);
  }
  return raw;
}

function cacher(env: Env): RuntimeEnv["cacher"] {
  const raw = text(env, "CACHER");
  if (raw === null || raw.toLowerCase() === "memory") return { type: "Memory" };
  if (!/^rediss?:\/\/[^\s]+$/.test(raw)) {
    throw new EnvError("CACHER", `expected "Memory" or redis://host:port, got "${maskUrl(raw)}"`);
  }
  return { type: "Redis", url: raw };
}

function database(env: Env, dataDir: string): DatabaseSettings {
  const raw = text(env, "DATABASE_URL");
  if (raw === null) return { dialect: "sqlite", storage: path.join(dataDir, "mmesh.sqlite") };
  if (/^postgres(ql)?:\/\/[^\s]+$/.test(raw)) return { dialect: "postgres", url: raw };
  const sqlite = /^sqlite:(.+)$/.exec(raw);
  if (sqlite) return { dialect: "sqlite", storage: sqlite[1] === ":memory:" ? ":memory:" : sqlite[1].replace(/^\/\//, "") };
  throw new EnvError("DATABASE_URL", `expected postgres://user@host:port/db or sqlite:<file>, got "${maskUrl(raw)}"`);
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const value = text(env, name);
  if (value === null) return fallback;
  if (["on", "true", "1"].includes(value.toLowerCase())) return true;
  if (["off", "false", "0"].includes(value.toLowerCase())) return false;
  throw new EnvError(name, `must be on or off, not "${value}"`);
}

function services(env: Env): ServiceName[] {
  const raw = text(env, "SERVICES");
  if (raw === null || raw === "*" || raw.toLowerCase() === "all") return [...KNOWN_SERVICES];
  const names = raw.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(KNOWN_SERVICES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new EnvError("SERVICES", `unknown service(s) ${unknown.join(", ")}; known: ${KNOWN_SERVICES.join(", ")}`);
  }
  if (names.length === 0) throw new EnvError("SERVICES", "lists no service");
  return [...new Set(names)] as ServiceName[];
}

function logLevel(env: Env): LogLevel {
  const raw = (text(env, "LOG_LEVEL") ?? "info").toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new EnvError("LOG_LEVEL", `expected one of ${LOG_LEVELS.join(", ")}, got "${raw}"`);
  }
  return raw as LogLevel;
}

function metricsPort(env: Env): number | null {
  const raw = text(env, "METRICS_PORT");
  if (raw !== null && raw.toLowerCase() === "off") return null;
  return port(env, "METRICS_PORT", 3030);
}

function metricsToken(env: Env): string | null {
  const raw = text(env, "METRICS_TOKEN");
  if (raw !== null && !/^[\x21-\x7e]{16,256}$/.test(raw)) throw new EnvError("METRICS_TOKEN", "expected 16-256 printable characters without spaces");
  return raw;
}

function amqpUrl(env: Env): string | null {
  const raw = text(env, "AMQP_URL");
  // "memory": the in-process bus, chosen explicitly (lib/runtime/cluster-settings.ts refuses an unset one in a cluster).
  if (raw === null || raw.toLowerCase() === "memory") return null;
  if (!/^amqps?:\/\/[^\s]+$/.test(raw)) throw new EnvError("AMQP_URL", `expected amqp://user:pass@host:port, got "${maskUrl(raw)}"`);
  return raw;
}

function keystore(env: Env, dataDir: string): RuntimeEnv["keystore"] {
  const backend = (text(env, "KEYSTORE_BACKEND") ?? "file").toLowerCase();
  if (backend === "file") return { backend, path: text(env, "KEYSTORE_PATH") ?? path.join(dataDir, "keystore.json") };
  if (backend === "aws") {
    const region = text(env, "AWS_REGION");
    if (region === null) throw new EnvError("AWS_REGION", "required when KEYSTORE_BACKEND=aws");
    return { backend, region, prefix: text(env, "AWS_SECRETS_PREFIX") ?? "mmesh/", endpoint: text(env, "AWS_SECRETS_ENDPOINT") };
  }
  throw new EnvError("KEYSTORE_BACKEND", `expected "file" or "aws", got "${backend}"`);
}

function corsOrigins(env: Env): string[] | null {
  const raw = text(env, "CORS_ORIGINS");
  return raw === null ? null : raw.split(",").map((s) => s.trim()).filter(Boolean);
}

function bodyLimit(env: Env): string {
  const raw = text(env, "BODY_LIMIT") ?? "100kb";
  if (!/^\d+(b|kb|mb)$/i.test(raw)) throw new EnvError("BODY_LIMIT", `expected a size such as 100kb or 1mb, got "${raw}"`);
  return raw;
}

/** A URL whose scheme is one of `protocols` (e.g. ["http:", "https:"]), or null when it does not parse or match. */
function urlWithScheme(raw: string, protocols: string[]): URL | null {
  if (/\s/.test(raw)) return null;
  try {
    const url = new URL(raw);
    return protocols.includes(url.protocol) && url.hostname ? url : null;
  } catch {
    return null;
  }
}

/** SUBGRAPH_URL must be http(s); its value is never echoed, since a gateway URL can carry the API key. */
function subgraph(env: Env): RuntimeEnv["subgraph"] {
  const url = text(env, "SUBGRAPH_URL");
  if (url !== null && !urlWithScheme(url, ["http:", "https:"])) throw new EnvError("SUBGRAPH_URL", "expected an http:// or https:// URL");
  const apiKey = text(env, "SUBGRAPH_API_KEY");
  if (apiKey !== null && !/^[A-Za-z0-9_.-]{8,256}$/.test(apiKey)) {
    throw new EnvError("SUBGRAPH_API_KEY", "expected 8-256 letters, digits, '_', '.' or '-'");
  }
  return { url, apiKey };
}

function rpcUrl(env: Env): string | null {
  const raw = text(env, "RPC_URL");
  if (raw === null) return null;
  if (!/^(https?|wss?):\/\/[^\s]+$/.test(raw)) throw new EnvError("RPC_URL", `expected http(s)://host:port or ws(s)://host:port, got "${maskUrl(raw)}"`);
  return raw;
}

function chainDeploymentUrl(env: Env): string | null {
  const raw = text(env, "CHAIN_DEPLOYMENT_URL");
  if (raw !== null && !urlWithScheme(raw, ["http:", "https:"])) throw new EnvError("CHAIN_DEPLOYMENT_URL", "expected an http:// or https:// URL");
  return raw;
}

function chainId(env: Env): number | null {
  const raw = text(env, "CHAIN_ID");
  if (raw === null) return null;
  if (!/^[1-9]\d{0,15}$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new EnvError("CHAIN_ID", `expected a positive integer chain id, got "${raw}"`);
  return Number(raw);
}

const EMAIL = /^[^\s@<>,]+@[^\s@<>,]+$/;

/** Values of TELEGRAM_BOT_TOKEN and SMTP_URL's password are never echoed. */
function notification(env: Env): NotificationEnv {
  const token = text(env, "TELEGRAM_BOT_TOKEN");
  if (token !== null && !/^\d{1,20}:[A-Za-z0-9_-]{20,100}$/.test(token)) {
    throw new EnvError("TELEGRAM_BOT_TOKEN", "expected <bot id>:<secret> as issued by @BotFather");
  }
  const apiUrl = text(env, "TELEGRAM_API_URL") ?? "https://api.telegram.org";
  if (!urlWithScheme(apiUrl, ["http:", "https:"])) throw new EnvError("TELEGRAM_API_URL", "expected an http:// or https:// URL");
  const chatIds = (text(env, "TELEGRAM_CHAT_IDS") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const badChat = chatIds.find((id) => !/^-?\d{1,20}$/.test(id));
  if (badChat !== undefined) throw new EnvError("TELEGRAM_CHAT_IDS", `expected comma-separated numeric chat ids, got "${badChat}"`);
  const smtpUrl = text(env, "SMTP_URL");
  if (smtpUrl !== null && !urlWithScheme(smtpUrl, ["smtp:", "smtps:"])) {
    throw new EnvError("SMTP_URL", "expected smtp://user:pass@host:port or smtps://user:pass@host:port");
  }
  const emailFrom = text(env, "NOTIFY_EMAIL_FROM");
  if (emailFrom !== null && !EMAIL.test(emailFrom)) throw new EnvError("NOTIFY_EMAIL_FROM", `expected an e-mail address, got "${emailFrom}"`);
  const emailTo = (text(env, "NOTIFY_EMAIL_TO") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const badTo = emailTo.find((a) => !EMAIL.test(a));
  if (badTo !== undefined) throw new EnvError("NOTIFY_EMAIL_TO", `expected comma-separated e-mail addresses, got "${badTo}"`);
  if (smtpUrl !== null && emailTo.length === 0) throw new EnvError("NOTIFY_EMAIL_TO", "required when SMTP_URL is set");
  return { telegramBotToken: token, telegramApiUrl: apiUrl.replace(/\/+$/, ""), telegramChatIds: chatIds, smtpUrl, emailFrom, emailTo };
}

function maintenanceCron(env: Env): string | null {
  const raw = text(env, "MAINTENANCE_CRON") ?? "0 3 * * *";
  if (raw.toLowerCase() === "off") return null;
  try {
    new Cron(raw, { paused: true, timezone: "Etc/UTC" }).stop();
  } catch (err) {
    throw new EnvError("MAINTENANCE_CRON", `expected a cron schedule such as "0 3 * * *" or "off", got "${raw}" (${(err as Error).message})`);
  }
  return raw;
}

const CREDENTIAL_FIELDS = ["apiKey", "secret", "password", "uid", "login", "privateKey", "walletAddress", "token", "twofa"];

/** sandbox / marketType / rateBudget valid, and public and private calls on one host (lib/cex/venue-settings.ts). */
function checkVenue(exchange: string, fields: Record<string, unknown>): void {
  if (!isCcxtExchange(exchange)) throw new EnvError("EXCHANGE_OVERRIDES", `"${exchange}" is not a ccxt exchange id`);
  try {
    venueConfig(exchange, loadCcxt()[exchange] as never, fields);
  } catch (err) {
    if (err instanceof VenueConfigError) throw new EnvError("EXCHANGE_OVERRIDES", err.message);
    throw err;
  }
}

function exchangeOverrides(env: Env): Record<string, Record<string, unknown>> {
  const raw = text(env, "EXCHANGE_OVERRIDES");
  if (raw === null) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new EnvError("EXCHANGE_OVERRIDES", 'expected JSON such as {"binance":{"urls":{"api":{...}}}}, which did not parse');
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new EnvError("EXCHANGE_OVERRIDES", "expected a JSON object keyed by exchange id");
  for (const [exchange, fields] of Object.entries(parsed as Record<string, unknown>)) {
    if (!/^[a-z0-9_]+$/.test(exchange)) throw new EnvError("EXCHANGE_OVERRIDES", `"${exchange.slice(0, 64)}" is not a ccxt exchange id`);
    if (!fields || typeof fields !== "object" || Array.isArray(fields)) throw new EnvError("EXCHANGE_OVERRIDES", `${exchange}: expected an object of ccxt constructor fields`);
    const credential = CREDENTIAL_FIELDS.find((f) => f in fields);
    if (credential) throw new EnvError("EXCHANGE_OVERRIDES", `${exchange}.${credential}: credentials belong in the keystore (keys.add), not in the environment`);
    checkVenue(exchange, fields as Record<string, unknown>);
  }
  return parsed as Record<string, Record<string, unknown>>;
}

export function readEnv(env: Env = process.env): RuntimeEnv {
  const dataDir = text(env, "DATA_DIR") ?? path.resolve("data");
  const masterKey = text(env, "MASTER_KEY");
  if (masterKey !== null && masterKey.length < 12) {
    throw new EnvError("MASTER_KEY", "must be at least 12 characters");
  }
  const jwtSecret = text(env, "JWT_SECRET");
  if (jwtSecret !== null && jwtSecret.length < 32) {
    throw new EnvError("JWT_SECRET", "must be at least 32 characters");
  }
  return {
    nodeID: text(env, "NODE_ID") ?? `${os.hostname()}-${process.pid}`,
    namespace: text(env, "NAMESPACE") ?? "mmesh",
    logLevel: logLevel(env),
    transporter: transporter(env),
    cacher: cacher(env),
    database: database(env, dataDir),
    services: services(env),
    apiPort: port(env, "API_PORT", 3000),
    apiHost: text(env, "API_HOST") ?? "127.0.0.1",
    metricsPort: metricsPort(env),
    metricsHost: text(env, "METRICS_HOST") ?? text(env, "API_HOST") ?? "127.0.0.1",
    metricsToken: metricsToken(env),
    amqpUrl: amqpUrl(env),
    dataDir,
    adminPassword: text(env, "ADMIN_PASSWORD"),
    jwtSecret,
    masterKey,
    keystore: keystore(env, dataDir),
    rateLimitPerMinute: positiveInt(env, "RATE_LIMIT_PER_MINUTE", 600),
    bodyLimit: bodyLimit(env),
    corsOrigins: corsOrigins(env),
    rpcUrl: rpcUrl(env),
    chainId: chainId(env),
    chainDeploymentUrl: chainDeploymentUrl(env),
    subgraph: subgraph(env),
    notification: notification(env),
    retentionDays: positiveInt(env, "RETENTION_DAYS", 30),
    maintenanceCron: maintenanceCron(env),
    alertHistory: { limit: positiveInt(env, "ALERT_HISTORY_LIMIT", 10_000), retentionDays: positiveInt(env, "ALERT_HISTORY_DAYS", 90) },
    backtest: { keepRuns: positiveInt(env, "BACKTEST_KEEP_RUNS", 200), maxActive: positiveInt(env, "BACKTEST_MAX_ACTIVE", 20) },
    demoBot: onOff(env, "DEMO_BOT", transporter(env) === null),
    probeIntervalMs: positiveInt(env, "PROBE_INTERVAL_MS", 10_000),
    exchangeOverrides: exchangeOverrides(env),
    cloudWatchEmf: onOff(env, "CLOUDWATCH_EMF", false),
    paperExtraMarkets: text(env, "PAPER_EXTRA_MARKETS") === null || text(env, "PAPER_EXTRA_MARKETS") === "0" ? 0 : Math.min(999, positiveInt(env, "PAPER_EXTRA_MARKETS", 0)),
  };
}
