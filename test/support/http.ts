/** Small HTTP client for gateway tests. */
import type { ServiceBroker } from "moleculer";
import type { AddressInfo } from "node:net";
import { TEST_ADMIN_PASSWORD } from "./env";

export function gatewayUrl(broker: ServiceBroker): string {
  const api = broker.getLocalService("api") as unknown as { server: { address(): AddressInfo } };
  return `http://127.0.0.1:${api.server.address().port}`;
}

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function http<T = any>(base: string, method: string, path: string, options: { token?: string; body?: unknown; rawBody?: string } = {}): Promise<HttpResult<T>> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) {
    body = options.rawBody;
    headers["content-type"] = "application/json";
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** moleculer-web builds its auto-aliases shortly after start; wait until a route answers. */
export async function waitForRoute(base: string, path: string, timeoutMs = 5000, method = "POST"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: method === "GET" ? undefined : "{}" });
    if (res.status !== 404) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Route ${path} did not appear within ${timeoutMs} ms`);
}

/** POST /api/v1/auth/login as `username`: the whole answer (the access token is `body.accessToken`). */
export function login(base: string, username: string, password: string): Promise<HttpResult> {
  return http(base, "POST", "/api/v1/auth/login", { body: { username, password } });
}

/** Waits for the gateway's login route, then logs in as the first admin (testEnv's ADMIN_PASSWORD): its access token. */
export async function adminToken(base: string): Promise<string> {
  await waitForRoute(base, "/api/v1/auth/login");
  return (await login(base, "admin", TEST_ADMIN_PASSWORD)).body.accessToken;
}

/** Starts `broker` (a node with the api and auth services) and logs in as the first admin: the gateway's URL and the admin's token. */
export async function startGateway(broker: ServiceBroker): Promise<{ base: string; token: string }> {
  await broker.start();
  const base = gatewayUrl(broker);
  return { base, token: await adminToken(base) };
}

/** Creates a user as `admin` (an admin's token) and logs it in: its access token. */
export async function userToken(base: string, admin: string, user: { username: string; password: string; role: string }): Promise<string> {
  await http(base, "POST", "/api/v1/auth/users", { token: admin, body: user });
  return (await login(base, user.username, user.password)).body.accessToken;
}
