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
import { toErrorResponse } from "../lib/api/error-response";
import { swaggerPage } from "../lib/api/swagger-page";
import { collectRoutes } from "../lib/api/routes";
import { isSharedCachedValue } from "../lib/runtime/memory-cacher";
import { buildOpenApiDocument } from "../lib/openapi/document";
import { forbidden, unauthorized } from "../lib/errors";
import type { RuntimeEnv } from "../lib/runtime/env";

type GatewayRequest = IncomingMessage & { $action?: { name: string; auth?: boolean; role?: Principal["role"] } };
type Meta = { user?: Principal | null };

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

/** Rate-limit key: the caller's token when it sends one, else its address. */
function createClientKey(bearers: BearerCache): (req: IncomingMessage) => string {
  return (req) => bearerOf(bearers, req)?.key ?? `a:${req.socket.remoteAddress ?? "unknown"}`;
}

const LOG_LEVELS: readonly string[] = ["fatal", "error", "warn", "info", "debug", "trace"];

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

export default function createApiService(env: RuntimeEnv): ServiceSchema {
  // Authorization headers seen recently: token, rate-limit key and (for login JWTs) principal.
  const bearers = new BearerCache();
  // JSON of the cached answers sent lately (see encodeResponse).
  const encoded = new WeakMap<object, string>();
  const schema = {
    name: "api",
    mixins: [ApiGateway],

    settings: {
      port: env.apiPort,
      ip: env.apiHost,
      cors: env.corsOrigins ? { origin: env.corsOrigins, methods: ["GET", "POST", "PUT", "PATCH", "DELETE"], credentials: false } : undefined,
      rateLimit: { window: 60_000, limit: env.rateLimitPerMinute, headers: true, key: createClientKey(bearers) },
      log4XXResponses: false,
      logRequest: "debug",
      logResponse: "debug",
      routes: [
        {
          name: "docs",
          path: "/api",
          authentication: false,
          authorization: false,
          bodyParsers: false,
          aliases: {
            "GET /openapi.json": "api.openapi",
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
          name: "v1",
          path: API_PREFIX,
          autoAliases: true,
          authentication: true,
          authorization: true,
          mappingPolicy: "restrict",
          bodyParsers: { json: { limit: env.bodyLimit, strict: true }, urlencoded: false },
          aliases: { "GET /health": "api.health" },
          callOptions: { meta: {} },
          // Request lines are logged at debug: below that level skip building them (a cost per request).
          logging: LOG_LEVELS.indexOf(env.logLevel) >= LOG_LEVELS.indexOf("debug"),
        },
      ],
      onError(req: IncomingMessage, res: ServerResponse, err: unknown) {
        const { status, body } = toErrorResponse(err);
        if (status >= 500) (this as unknown as { logger: { error(...a: unknown[]): void } }).logger.error("Request failed:", req.method, req.url, err);
        sendJson(res, status, body);
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
        visibility: "published",
        summary: "This API's OpenAPI 3 document, generated from the live routes",
        handler(this: { aliases: unknown[]; broker: { registry: { getActionList(o: object): unknown[] } } }) {
          const routes = collectRoutes(this.aliases as never, this.broker.registry.getActionList({}) as never);
          return buildOpenApiDocument(routes, {
            title: "mmesh API",
            version: "1",
            description: "Market making over Moleculer. Authenticate with POST /api/v1/auth/login and send `Authorization: Bearer <token>`.",
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

      // moleculer-web awaits the answer: a principal already known is returned as is (no promise).
      authenticate(ctx: Context<unknown, Meta>, _route: unknown, req: GatewayRequest): Principal | null | Promise<Principal | null> {
        const entry = bearerOf(bearers, req);
        if (!entry?.token) return null;
        return bearers.principal(entry) ?? bearers.resolve(entry, async (token) => (await ctx.call("auth.resolveToken", { token })) as Principal | null);
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
      },
    },

    started(this: { logger: { info(...a: unknown[]): void } }) {
      const base = `http://${env.apiHost === "0.0.0.0" ? "localhost" : env.apiHost}:${env.apiPort}`;
      this.logger.info(`API on ${base}${API_PREFIX}, docs at ${base}/api/docs, OpenAPI at ${base}/api/openapi.json`);
    },
  };
  return schema as unknown as ServiceSchema;
}
