/**
 * The REST gateway (moleculer-web). Every published action with a `rest` property
 * appears under /api/v1/<service>/...; every route needs a bearer token unless its
 * action says `auth: false`, and the action's `role` is checked here, in one place.
 * The OpenAPI document is generated from the live routes and their param schemas.
 */
import fs from "node:fs";
import path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import type { Principal } from "../lib/auth/access-tokens";
import { roleAllows } from "../lib/auth/roles";
import { BearerCache, type BearerEntry } from "../lib/api/bearer-cache";
import { clientAddress, rateLimitKey, RequestLimiter } from "../lib/api/request-limiter";
import { createLimiterStore } from "../lib/runtime/limiter-store";
import { PIPE_JSON_STREAMS } from "../lib/runtime/json-stream";
import { toErrorResponse } from "../lib/api/error-response";
import { swaggerPage } from "../lib/api/swagger-page";
import { readinessHandler } from "../lib/api/readiness";
import { refuseDeepJson } from "../lib/api/json-depth";
import { applyIfMatch, type IfMatchRequest } from "../lib/api/if-match";
import { collectRoutes } from "../lib/api/routes";
import { isSharedCachedValue } from "../lib/runtime/memory-cacher";
import { buildOpenApiDocument } from "../lib/openapi/document";
import { forbidden, overloaded, unauthorized } from "../lib/errors";
import { ConsoleFiles, findConsoleDir } from "../lib/api/console-files";
import { DEFAULT_LIVE_OPTIONS, LIVE_EVENTS, LiveHub, parseTopics, toLiveMessage, type LiveHubOptions } from "../lib/live";
import type { RuntimeEnv } from "../lib/runtime/env";

type GatewayRequest = IncomingMessage & { $action?: { name: string; auth?: boolean; role?: Principal["role"] } };
type Meta = { user?: Principal | null; clientAddress?: string };

const API_PREFIX = "/api/v1";
// Only swagger-ui's asset folder is needed: the package's main module would also load the whole UI
// bundle into this process (~0.2 s at start, ~11 MB of heap).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const SWAGGER_ASSETS = (require("swagger-ui-dist/absolute-path.js") as () => string)();
const SWAGGER_FILES = new Set(["swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-bundle.js.map", "swagger-ui.css.map"]);

type BearerRequest = IncomingMessage & { $bearer?: BearerEntry | null };

/** The request's Authorization header entry (looked up once per request: the rate limiter and authenticate both need it). */
function bearerOf(bearers: BearerCache, req: BearerRequest): BearerEntry | null {
  if (req.$bearer !== undefined) return req.$bearer;
  const header = req.headers.authorization;
  return (req.$bearer = header ? bearers.lookup(header) : null);
}

const LOG_LEVELS: readonly string[] = ["fatal", "error", "warn", "info", "debug", "trace"];

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, "Content-Type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

type LiveRequest = IncomingMessage & { $ctx: Context<unknown, Meta>; query?: Record<string, unknown> };

export default function createApiService(env: RuntimeEnv, liveOptions: LiveHubOptions = DEFAULT_LIVE_OPTIONS): ServiceSchema {
  // Subscribers of the live stream (GET /api/v1/live) on this node: throttled, bounded (lib/live).
  const live = new LiveHub(liveOptions);
  // The operator console (dist/console), when built; read once.
  const consoleDir = findConsoleDir();
  const consoleFiles = consoleDir ? new ConsoleFiles(consoleDir) : null;
  const serveConsole = (rel: string) => (req: IncomingMessage, res: ServerResponse) => {
    if (!consoleFiles) return sendJson(res, 404, { error: { code: "NOT_FOUND", message: "The console is not built (npm run build)" } });
    if (!consoleFiles.serve(rel, req, res)) sendJson(res, 404, { error: { code: "NOT_FOUND", message: "No such file" } });
  };
  // Every gateway node hears every live event: emitted (balanced) events go to one member of each
  // group, so each node is its own group.
  const liveGroup = `api-live-${env.nodeID}`;
  const liveEvents = Object.fromEntries(
    LIVE_EVENTS.map((event) => [
      event,
      {
        group: liveGroup,
        // A fast, replaceable event: no bulkhead queue in front of it.
        bulkhead: { enabled: false },
        handler(ctx: Context<Record<string, unknown>>) {
          if (live.size === 0) return;
          const message = toLiveMessage(event, ctx.params);
          if (message) live.publish(message);
        },
      },
    ]),
  );
  // Authorization headers seen recently: token, rate-limit key and (for login JWTs) principal.
  const bearers = new BearerCache();
  // JSON of the cached answers sent lately (see encodeResponse).
  const encoded = new WeakMap<object, string>();
  // Request budgets, shared by every gateway through Redis when the cacher is Redis.
  const limiterStore = createLimiterStore(env.cacher, `${env.namespace}:api`);
  const limiter = new RequestLimiter(limiterStore, env.rateLimitPerMinute);
  const schema = {
    name: "api",
    mixins: [ApiGateway],

    settings: {
      port: env.apiPort,
      ip: env.apiHost,
      cors: env.corsOrigins ? { origin: env.corsOrigins, methods: ["GET", "POST", "PUT", "PATCH", "DELETE"], credentials: false } : undefined,
      log4XXResponses: false,
      logRequest: "debug",
      logResponse: "debug",
      // Request bodies are never logged: a secret under a name the redactor cannot know (a private
      // key sent as the whole `payload`, a misspelled field) would be printed (lib/runtime/redact.ts).
      logRequestParams: null,
      routes: [
        {
          name: "docs",
          path: "/api",
          authentication: false,
          authorization: false,
          bodyParsers: false,
          onBeforeCall: (_ctx: unknown, _route: unknown, req: IncomingMessage, res: ServerResponse) => limiter.take(`a:${clientAddress(req)}`, res),
          aliases: {
            "GET /openapi.json": "api.openapi",
            "GET /v1/ready": readinessHandler,
            "GET /docs"(req: IncomingMessage, res: ServerResponse) {
              res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
              res.end(swaggerPage("/api/docs/assets", "/api/openapi.json"));
            },
            "GET /docs/assets/:file"(req: IncomingMessage & { $params: { file: string } }, res: ServerResponse) {
              const file = req.$params.file;
              if (!SWAGGER_FILES.has(file)) return sendJson(res, 404, { error: { code: "NOT_FOUND", message: "No such file" } });
              res.writeHead(200, { "Content-Type": file.endsWith(".css") ? "text/css" : "application/javascript" });
              fs.createReadStream(path.join(SWAGGER_ASSETS, file)).pipe(res);
            },
          },
        },
        {
          // Server-Sent Events: quotes, fills, PnL, inventory, alerts, bots, nodes, breakers (lib/live).
          // Authenticated like every route, with the Authorization header only: a token never goes
          // in the URL (EventSource cannot send headers; the console reads the stream with fetch).
          name: "live",
          path: `${API_PREFIX}/live`,
          authentication: true,
          authorization: false,
          bodyParsers: false,
          logging: false,
          aliases: {
            "GET /"(req: LiveRequest, res: ServerResponse, next: (err?: unknown) => void) {
              const user = req.$ctx.meta.user;
              if (!user) return next(unauthorized());
              let topics;
              try {
                topics = parseTopics(req.query?.topics);
              } catch (err) {
                return next(err);
              }
              const client = live.add(res, topics);
              if (!client) return next(overloaded("Too many live subscribers on this gateway", 5));
              res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no" });
              client.writeNow("hello", { user: user.username ?? null, role: user.role, node: env.nodeID, intervalMs: live.options.intervalMs, maxQueued: live.options.maxQueued, topics: topics ? [...topics] : null });
              res.once("close", () => client.close("closed"));
            },
          },
        },
        {
          name: "v1",
          path: API_PREFIX,
          autoAliases: true,
          authentication: true,
          authorization: true,
          mappingPolicy: "restrict",
          bodyParsers: { json: { limit: env.bodyLimit, strict: true, verify: refuseDeepJson() }, urlencoded: false },
          aliases: { "GET /health": "api.health" },
          // A large answer streamed as JSON text (lib/runtime/json-stream.ts) is piped to the client as it comes.
          callOptions: { meta: {}, [PIPE_JSON_STREAMS]: true },
          onBeforeCall(_ctx: Context, _route: unknown, req: IfMatchRequest) {
            applyIfMatch(req);
          },
          // Request lines are logged at debug: below that level skip building them (a cost per request).
          logging: LOG_LEVELS.indexOf(env.logLevel) >= LOG_LEVELS.indexOf("debug"),
        },
        {
          // The operator console (console/, built into dist/console): hashed assets immutable, index.html revalidated.
          name: "console",
          path: "",
          authentication: false,
          authorization: false,
          bodyParsers: false,
          logging: false,
          onBeforeCall: (_ctx: unknown, _route: unknown, req: IncomingMessage, res: ServerResponse) => limiter.take(`a:${clientAddress(req)}`, res),
          aliases: {
            "GET /": serveConsole("index.html"),
            "GET /favicon.svg": serveConsole("favicon.svg"),
            "GET /assets/:file"(req: IncomingMessage & { $params: { file: string } }, res: ServerResponse) {
              serveConsole(`assets/${req.$params.file}`)(req, res);
            },
          },
        },
      ],
      onError(req: IncomingMessage, res: ServerResponse, err: unknown) {
        const { status, body, headers } = toErrorResponse(err);
        if (status >= 500) (this as unknown as { logger: { error(...a: unknown[]): void } }).logger.error("Request failed:", req.method, req.url, err);
        sendJson(res, status, body, headers);
      },
    },

    actions: {
      listAliases: false,

      // The root action is the HTTP request itself, which moleculer-web calls directly. A request is
      // handled once: a retry would re-run the routing on a body already read. Breaker, bulkhead and
      // timeout belong on the calls it makes (each has its own): here the bulkhead would queue every
      // route behind the slowest one, the breaker cannot refuse a direct call anyway, and a timeout
      // could only answer while the inner call goes on (the inner call's own timeout answers).
      rest: { retryPolicy: { enabled: false }, circuitBreaker: { enabled: false }, bulkhead: { enabled: false }, timeout: 0 },

      health: {
        auth: false,
        idempotent: true,
        summary: "Liveness of this gateway node and the services the mesh knows",
        handler(this: { broker: { nodeID: string; registry: { getServiceList(o: object): Array<{ name: string; available: boolean }> } } }) {
          const services = this.broker.registry.getServiceList({ onlyAvailable: true, skipInternal: true });
          return {
            status: "ok",
            nodeID: this.broker.nodeID,
            uptimeSeconds: Math.round(process.uptime()),
            services: [...new Set(services.map((s) => s.name))].sort(),
          };
        },
      },

      openapi: {
        auth: false,
        idempotent: true,
        visibility: "published",
        summary: "This API's OpenAPI 3 document, generated from the live routes",
        handler(this: { aliases: unknown[]; broker: { registry: { getActionList(o: object): unknown[] } } }) {
          const routes = collectRoutes(this.aliases as never, this.broker.registry.getActionList({}) as never);
          return buildOpenApiDocument(routes, {
            title: "mmesh API",
            version: "1",
            description:
              "Market making over Moleculer. Authenticate with POST /api/v1/auth/login and send `Authorization: Bearer <token>`.\n\n" +
              "Live data: `GET /api/v1/live` (viewer) is a Server-Sent Events stream (`text/event-stream`) with the same bearer token in the " +
              "Authorization header (never in the URL; EventSource cannot send headers, so read it with fetch or `curl -N`). Events: `hello`, then " +
              "`quote`, `fill`, `pnl`, `inventory`, `alert`, `bot`, `node`, `breaker`, `arbitrage`, `backtest` (a job's progress), each one JSON `data` line; " +
              "`?topics=quote,pnl` narrows them. Each client is written at most every 250 ms; quotes, PnL, inventory and node state coalesce " +
              "to the latest between writes, fills and alerts are each sent. A client that does not read and has more than 500 messages " +
              "waiting is sent `dropped` and disconnected; a stream ends after 5 minutes and when users or tokens change (reconnect with a fresh token). " +
              "The operator console is served at `/`.",
          });
        },
      },
    },

    methods: {
      // moleculer-web's JSON encoding of an answer, done once for an answer the Memory cacher holds:
      // it hands every request the same object, which does not change while cached.
      encodeResponse(_req: IncomingMessage, _res: ServerResponse, data: unknown): string {
        if (!isSharedCachedValue(data)) return JSON.stringify(data);
        let json = encoded.get(data as object);
        if (json === undefined) encoded.set(data as object, (json = JSON.stringify(data)));
        return json;
      },

      // Resolves the bearer, then spends a request of the budget of the principal it proved (or of the
      // socket address when none): the budget is chosen only after the token is verified.
      async authenticate(ctx: Context<unknown, Meta>, _route: unknown, req: GatewayRequest, res: ServerResponse): Promise<Principal | null> {
        const address = clientAddress(req);
        // The socket address, for the login throttle; never a client-supplied header.
        ctx.meta.clientAddress = address;
        const entry = bearerOf(bearers, req);
        const principal = entry?.token
          ? bearers.principal(entry) ?? (await bearers.resolve(entry, async (token) => (await ctx.call("auth.resolveToken", { token })) as Principal | null))
          : null;
        await limiter.take(rateLimitKey(principal, address), res);
        return principal;
      },

      authorize(ctx: Context<unknown, Meta>, _route: unknown, req: GatewayRequest): void {
        const action = req.$action;
        if (!action || action.auth === false) return;
        const user = ctx.meta.user;
        if (!user) throw unauthorized();
        const required = action.role ?? "viewer";
        if (!roleAllows(user.role, required)) throw forbidden(`This route needs the ${required} role; you are ${user.role}`);
      },
    },

    events: {
      // Sent when a token is revoked or a user changes: forget every principal at once.
      "cache.clean.auth"() {
        bearers.clear();
        // Live streams were opened with a token that may be revoked now: they reconnect with a fresh one.
        live.closeAll("auth");
      },
      ...liveEvents,
    },

    async stopped() {
      live.stop();
      await limiterStore.close();
    },

    started(this: { logger: { info(...a: unknown[]): void } }) {
      const base = `http://${env.apiHost === "0.0.0.0" ? "localhost" : env.apiHost}:${env.apiPort}`;
      this.logger.info(`API on ${base}${API_PREFIX}, docs at ${base}/api/docs, OpenAPI at ${base}/api/openapi.json`);
      this.logger.info(consoleFiles ? `Console at ${base}/` : "Console not built (npm run build): / answers 404");
    },
  };
  return schema as unknown as ServiceSchema;
}
