/**
 * Turns any error reaching the gateway into the one JSON error shape clients see:
 *   { "error": { "code": "VALIDATION_ERROR", "message": "...", "data": [...] } }
 * Unexpected server errors keep their details in the log, not in the response.
 */
export interface ErrorResponse {
  status: number;
  body: { error: { code: string; message: string; data?: unknown } };
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
  const body: ErrorResponse["body"] = { error: { code, message: err.message ?? code } };
  if (err.data !== undefined && err.data !== null && status < 500) body.error.data = err.data;
  return { status, body };
}
