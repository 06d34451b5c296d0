/**
 * The console's REST client: every call goes to /api/v1 with the session's bearer token; an
 * expired access token is refreshed once with the refresh token, then the call is repeated.
 * Errors come back as ApiError with the gateway's code and, for a 422, each field's message.
 */
import { session, setSession, clearSession, type Session } from "./session.svelte";

export const API = "/api/v1";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Validation errors by field path (`params.orderAmount`), from a 422. */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A refusal's field messages, each under `key(field path)`; null when `err` names no field (show its message instead). */
export function fieldErrors(err: unknown, key: (field: string) => string): Record<string, string> | null {
  if (!(err instanceof ApiError) || Object.keys(err.fields).length === 0) return null;
  return Object.fromEntries(Object.entries(err.fields).map(([f, m]) => [key(f), m]));
}

/** What a form shows for a failed request: the field messages (fieldErrors) when it names fields, else the error's message. */
export function refusal(err: unknown, key: (field: string) => string): { errors: Record<string, string>; message: string | null } {
  const fields = fieldErrors(err, key);
  return fields ? { errors: fields, message: null } : { errors: {}, message: (err as Error).message };
}

type Body = Record<string, unknown> | unknown[] | undefined;

/** The gateway's error shape `{ error: { code, message, data } }` as an ApiError. */
export function toApiError(status: number, body: unknown): ApiError {
  const err = (body as { error?: { code?: string; message?: string; data?: unknown } })?.error;
  const fields: Record<string, string> = {};
  if (Array.isArray(err?.data)) {
    for (const d of err.data as Array<{ field?: string; message?: string }>) if (d.field && !(d.field in fields)) fields[d.field] = d.message ?? "invalid";
  }
  return new ApiError(status, err?.code ?? `HTTP_${status}`, err?.message ?? `Request failed with status ${status}`, fields);
}

async function send(method: string, path: string, body: Body, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  return fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function parse<T>(res: Response): Promise<T> {
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!res.ok) throw toApiError(res.status, data);
  return data as T;
}

let refreshing: Promise<boolean> | null = null;

/** Spends the refresh token for a new session (once, however many calls found the token expired). */
export function refreshSession(): Promise<boolean> {
  const refreshToken = session.current?.refreshToken;
  if (!refreshToken) return Promise.resolve(false);
  refreshing ??= (async () => {
    try {
      const res = await send("POST", "/auth/refresh", { refreshToken }, null);
      if (!res.ok) {
        clearSession();
        return false;
      }
      setSession((await res.json()) as Session);
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export async function request<T = unknown>(method: string, path: string, body?: Body): Promise<T> {
  let res = await send(method, path, body, session.current?.accessToken ?? null);
  if (res.status === 401 && session.current && (await refreshSession())) res = await send(method, path, body, session.current.accessToken);
  return parse<T>(res);
}

export const get = <T = unknown>(path: string) => request<T>("GET", path);
export const post = <T = unknown>(path: string, body: Body = {}) => request<T>("POST", path, body);
export const put = <T = unknown>(path: string, body: Body = {}) => request<T>("PUT", path, body);
export const patch = <T = unknown>(path: string, body: Body = {}) => request<T>("PATCH", path, body);
export const del = <T = unknown>(path: string) => request<T>("DELETE", path);

export async function login(username: string, password: string): Promise<Session> {
  const s = await parse<Session>(await send("POST", "/auth/login", { username, password }, null));
  setSession(s);
  return s;
}

export async function logout(): Promise<void> {
  const refreshToken = session.current?.refreshToken;
  clearSession();
  if (refreshToken) await send("POST", "/auth/logout", { refreshToken }, null).catch(() => undefined);
}

/** A path segment, encoded (bot and config names, symbols). */
export const seg = (s: string) => encodeURIComponent(s);
