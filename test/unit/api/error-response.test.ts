import { Errors } from "moleculer";
import { toErrorResponse } from "../../../lib/api/error-response";
import { overloaded } from "../../../lib/errors";

describe("gateway error responses", () => {
  it("keeps a validation error's fields with 422", () => {
    const err = new Errors.ValidationError("Parameters validation error!", "VALIDATION_ERROR", [{ field: "role", message: "bad" }]);
    expect(toErrorResponse(err)).toEqual({
      status: 422,
      body: { error: { code: "VALIDATION_ERROR", message: "Parameters validation error!", data: [{ field: "role", message: "bad" }] } },
    });
  });

  it("maps body-parser's too-large error to 413", () => {
    expect(toErrorResponse({ status: 413, type: "entity.too.large", message: "request entity too large" })).toEqual({
      status: 413,
      body: { error: { code: "PAYLOAD_TOO_LARGE", message: "Request body is larger than the limit" } },
    });
  });

  it("hides the details of an unexpected error", () => {
    const res = toErrorResponse(new Error("relation \"users\" does not exist at 10.0.0.5"));
    expect(res).toEqual({ status: 500, body: { error: { code: "INTERNAL_ERROR", message: "Internal error" } } });
  });

  it("keeps a retryable service error's message but not its data", () => {
    const err = new Errors.MoleculerRetryableError("Exchange unavailable", 503, "SERVICE_UNAVAILABLE", { host: "internal" });
    expect(toErrorResponse(err)).toEqual({ status: 503, body: { error: { code: "SERVICE_UNAVAILABLE", message: "Exchange unavailable" } } });
  });

  it("names the exchange of an exchange's 503 and tells when to retry (Retry-After), without other data", () => {
    const err = new Errors.MoleculerError("binance: circuit open", 503, "EXCHANGE_CIRCUIT_OPEN", { exchange: "binance", retryAfterMs: 2400, internal: "x" });
    expect(toErrorResponse(err)).toEqual({
      status: 503,
      body: { error: { code: "EXCHANGE_CIRCUIT_OPEN", message: "binance: circuit open", data: { exchange: "binance", retryAfterMs: 2400 } } },
      headers: { "Retry-After": "3" },
    });
    const down = new Errors.MoleculerRetryableError("binance: 502", 503, "EXCHANGE_UNAVAILABLE", { exchange: "binance" });
    expect(toErrorResponse(down)).toEqual({ status: 503, body: { error: { code: "EXCHANGE_UNAVAILABLE", message: "binance: 502", data: { exchange: "binance" } } } });
  });

  it("sends a back-pressure 503's retryAfter as the Retry-After header, not its data", () => {
    const res = toErrorResponse(overloaded("Order write queue is full", 1, { exchange: "paper" }));
    expect(res).toEqual({
      status: 503,
      body: { error: { code: "SERVICE_UNAVAILABLE", message: "Order write queue is full" } },
      headers: { "Retry-After": "1" },
    });
  });
});
