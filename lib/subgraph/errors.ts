/**
 * SubgraphError → Moleculer errors with stable types. Transport failures are a
 * retryable 503 SUBGRAPH_UNAVAILABLE; a query the subgraph refuses and an answer
 * that does not match the schema are 502s that retrying will not fix.
 */
import { Errors } from "moleculer";
import { SubgraphError } from "./client";

const { MoleculerError, MoleculerRetryableError } = Errors;

export type SubgraphErrorType = "SUBGRAPH_UNAVAILABLE" | "SUBGRAPH_NOT_CONFIGURED" | "SUBGRAPH_QUERY_FAILED" | "SUBGRAPH_BAD_RESPONSE";

export function subgraphErrorType(err: SubgraphError): SubgraphErrorType {
  switch (err.kind) {
    case "not-configured":
      return "SUBGRAPH_NOT_CONFIGURED";
    case "graphql":
      return "SUBGRAPH_QUERY_FAILED";
    case "invalid-response":
      return "SUBGRAPH_BAD_RESPONSE";
    default:
      return "SUBGRAPH_UNAVAILABLE";
  }
}

/** The `error` of a stale answer: type and message, no key (messages are redacted at the source). */
export function describeFailure(err: unknown): { type: string; message: string } | null {
  return err instanceof SubgraphError ? { type: subgraphErrorType(err), message: err.message } : null;
}

export function toMoleculerError(err: unknown): Error {
  if (!(err instanceof SubgraphError)) return err as Error;
  const type = subgraphErrorType(err);
  const data = { reason: err.kind, ...err.details };
  switch (type) {
    case "SUBGRAPH_UNAVAILABLE":
      return new MoleculerRetryableError(err.message, 503, type, data);
    case "SUBGRAPH_NOT_CONFIGURED":
      return new MoleculerError(err.message, 503, type, data);
    default:
      return new MoleculerError(err.message, 502, type, data);
  }
}
