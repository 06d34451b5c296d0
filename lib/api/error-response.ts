/**
 * Turns any error reaching the gateway into the one JSON error shape clients see:
 *   { "error": { "code": "VALIDATION_ERROR", "message": "...", "data": [...] } }
 * Unexpected server errors keep their details in the log, not in the response. Message and
 * data pass through the redactor: a validation error on a secret field (password,
 * privateKey, ...) never echoes the value it got.
 */
import { redactErrorParts } from "../runtime/redact";

export interface ErrorResponse {
  status: number;
  body: { error: { code: string; message: string; data?: unknown } };
  /** Retry-After (seconds) when the error knows when to come back, e.g. an exchange's cooldown or open breaker. */
  headers?: Record<string, string>;
}

interface ErrorLike {
  name?: string;
  message?: string;
  code?: unknown;
  type?: unknown;
  status?: unknown;
  data?: unknown;
}

const CODE_BY_STATUS: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "VALIDATION_ERROR",
  429: "RATE_LIMITED",
  503: "SERVICE_UNAVAILABLE",
  504: "TIMEOUT",
};

function statusOf(err: ErrorLike): number {
  // body-parser errors carry `status`; Moleculer errors carry a numeric `code`.
  const candidate = typeof err.code === "number" ? err.code : typeof err.status === "number" ? err.status : 500;
  return candidate >= 400 && candidate < 600 ? candidate : 500;
}

export function toErrorResponse(error: unknown): ErrorResponse {
  const err = (typeof error === "object" && error !== null ? error : { message: String(error) }) as ErrorLike;
  const status = statusOf(err);
  if (err.name === "ServiceNotFoundError") {
    return { status: 404, body: { error: { code: "NOT_FOUND", message: "No such route" } } };
  }
  if (status === 413) {
    return { status, body: { error: { code: "PAYLOAD_TOO_LARGE", message: "Request body is larger than the limit" } } };
  }
  if (status === 500 && !err.type) {
    return { status, body: { error: { code: "INTERNAL_ERROR", message: "Internal error" } } };
  }
  const typeCode = typeof err.type === "string" && /^[A-Z0-9_]+$/.test(err.type) ? err.type : undefined;
  const code = status === 422 ? "VALIDATION_ERROR" : typeCode ?? CODE_BY_STATUS[status] ?? "ERROR";
  const safe = redactErrorParts(err.message ?? code, err.data);
  const body: ErrorResponse["body"] = { error: { code, message: safe.message } };
  if (err.data !== undefined && err.data !== null && status < 500) body.error.data = safe.data;
  const venue = status === 503 && typeCode?.startsWith("EXCHANGE_") ? venueData(err.data) : null;
  // One exchange's trouble: which one and when to retry are safe to tell (nothing else of data is).
  if (venue) body.error.data = venue;
  const retryAfterMs = status === 429 || status === 503 ? retryAfterOf(err.data) : undefined;
  return retryAfterMs === undefined ? { status, body } : { status, body, headers: { "Retry-After": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } };
}

/**
 * When a refused caller may come back, in ms: `retryAfterMs` (a throttle's or an exchange's
 * cooldown) or `retryAfter` in seconds (a full write queue, see lib/errors overloaded).
 */
function retryAfterOf(data: unknown): number | undefined {
  const d = data as { retryAfterMs?: unknown; retryAfter?: unknown } | null | undefined;
  if (typeof d?.retryAfterMs === "number" && Number.isFinite(d.retryAfterMs)) return d.retryAfterMs;
  return typeof d?.retryAfter === "number" && Number.isFinite(d.retryAfter) && d.retryAfter > 0 ? d.retryAfter * 1000 : undefined;
}

function venueData(data: unknown): { exchange: string; retryAfterMs?: number } | null {
  const d = data as { exchange?: unknown; retryAfterMs?: unknown } | null | undefined;
  if (!d || typeof d.exchange !== "string") return null;
  return typeof d.retryAfterMs === "number" && Number.isFinite(d.retryAfterMs) ? { exchange: d.exchange, retryAfterMs: d.retryAfterMs } : { exchange: d.exchange };
}
