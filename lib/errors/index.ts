/**
 * mmesh's client-facing errors. Each carries an HTTP status (Moleculer's `code`)
 * and a stable machine-readable `type`, which the gateway returns as
 * `{ "error": { "code": type, "message", "data" } }`.
 */
import { Errors } from "moleculer";

const { MoleculerClientError, MoleculerRetryableError } = Errors;

export const unauthorized = (message = "A valid bearer token is required") =>
  new MoleculerClientError(message, 401, "UNAUTHORIZED");

export const forbidden = (message: string) => new MoleculerClientError(message, 403, "FORBIDDEN");

export const notFound = (what: string, data?: unknown) => new MoleculerClientError(`${what} not found`, 404, "NOT_FOUND", data);

export const conflict = (message: string, data?: unknown) => new MoleculerClientError(message, 409, "CONFLICT", data);

/** A request that is well-formed but names something invalid: same status as a params error. */
export const invalid = (message: string, field: string, data?: Record<string, unknown>) =>
  new MoleculerClientError(message, 422, "VALIDATION_ERROR", [{ field, message, ...data }]);

export const unavailable = (message: string, data?: unknown) =>
  new MoleculerRetryableError(message, 503, "SERVICE_UNAVAILABLE", data);

/**
 * Too much work queued (back pressure): a 503 the caller should retry after `retryAfterSeconds`,
 * which the gateway sends as the Retry-After header.
 */
export const overloaded = (message: string, retryAfterSeconds: number, data?: Record<string, unknown>) =>
  new MoleculerRetryableError(message, 503, "SERVICE_UNAVAILABLE", { ...data, retryAfter: retryAfterSeconds });
