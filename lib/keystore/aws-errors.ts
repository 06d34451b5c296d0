/**
 * Turns AWS SDK failures into KeystoreErrors. The SDK's own message is never
 * copied: a validation message from AWS can quote the request, secret included.
 */
import { KeystoreError } from "./errors";

const UNAVAILABLE_NAMES = new Set([
  "InternalServiceError",
  "InternalFailure",
  "ServiceUnavailable",
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "AbortError",
]);
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE", "ECONNABORTED"]);

interface SdkError {
  name?: string;
  code?: string;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number };
}

/**
 * The errno code of a network failure. The SDK's retry layer re-wraps errors it
 * does not recognise as Error instances (as in a jest VM), keeping the code only
 * in its message, which for these failures is safe to read.
 */
function networkCode(e: SdkError & { message?: unknown }): string | undefined {
  if (e.code !== undefined) return NETWORK_CODES.has(e.code) ? e.code : undefined;
  const match = typeof e.message === "string" ? /\b(E[A-Z_]+)\b/.exec(e.message) : null;
  return match && NETWORK_CODES.has(match[1]) ? match[1] : undefined;
}

export function awsErrorName(err: unknown): string {
  return (err as SdkError | undefined)?.name ?? "Error";
}

/** `what` says what was attempted, e.g. "get keystore entry binance-main (secret mmesh/binance-main)". */
export function mapAwsError(err: unknown, what: string, where: string): KeystoreError {
  if (err instanceof KeystoreError) return err;
  const e = (err ?? {}) as SdkError;
  const name = awsErrorName(err);
  const status = e.$metadata?.httpStatusCode;
  const code = networkCode(e);
  const detail = [name, code, status === undefined ? undefined : `HTTP ${status}`].filter(Boolean).join(", ");
  const isNetwork = code !== undefined || (status === undefined && e.$fault === undefined && name !== "CredentialsProviderError");
  if (isNetwork || UNAVAILABLE_NAMES.has(name) || e.$fault === "server" || (status !== undefined && status >= 500)) {
    return new KeystoreError("BACKEND_UNAVAILABLE", `AWS Secrets Manager at ${where} is unavailable: could not ${what} (${detail})`);
  }
  return new KeystoreError("BACKEND_ERROR", `AWS Secrets Manager at ${where} refused to ${what} (${detail})`);
}
