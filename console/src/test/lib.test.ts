import { describe, expect, it } from "vitest";
import { SseParser } from "../lib/sse";
import { applyLive, emptyLiveState, latencyStats, MAX_LIST } from "../lib/live-state";
import { diffJson } from "../lib/diff";
import { toCsv } from "../lib/csv";
import { allowed, permissionsFrom } from "../lib/roles";
import { coerceParam, parseParamsJson } from "../lib/params";
import { fieldErrors, refusal, toApiError } from "../lib/api";
import { fmtDecimal } from "../lib/format";
import { parseHash } from "../lib/router.svelte";

describe("SSE parser", () => {
  it("yields whole events across chunk boundaries and skips comments", () => {
    const p = new SseParser();
    expect(p.feed('event: quote\ndata: {"bot":"a"')).toEqual([]);
    expect(p.feed('}\n\n: ping\n\nevent: pnl\ndata: {"total":"1"}\n\nevent: fi')).toEqual([
      { event: "quote", data: '{"bot":"a"}' },
      { event: "pnl", data: '{"total":"1"}' },
    ]);
    expect(p.feed('ll\r\ndata: {}\r\n\r\n')).toEqual([{ event: "fill", data: "{}" }]);
  });
});

describe("live state", () => {
  it("keeps the latest quote per bot (the other side's last price when one side is placed) and latency samples", () => {
    const s = emptyLiveState();
    applyLive(s, "quote", { bot: "a", bid: "10", ask: "11", latencyMs: 4, ts: 1 });
    applyLive(s, "quote", { bot: "a", bid: null, ask: "12", latencyMs: 6, ts: 2 });
    expect(s.quotes.a).toMatchObject({ bid: "10", ask: "12" });
    expect(latencyStats(s.latency.a)).toEqual({ p50: 6, p95: 6, n: 2 });
  });

  it("builds PnL and inventory series and bounds the fill list", () => {
    const s = emptyLiveState();
    applyLive(s, "pnl", { bot: "a", realized: "1", unrealized: "0.5", total: "1.5", ts: 2000 });
    applyLive(s, "inventory", { bot: "a", asset: "BTC", amount: "0.25", ts: 3000 });
    expect(s.pnlSeries.a).toEqual({ t: [2], v: [1.5] });
    expect(s.inventory.a.BTC).toBe("0.25");
    for (let i = 0; i < MAX_LIST + 5; i++) applyLive(s, "fill", { tradeId: String(i), ts: i });
    expect(s.fills).toHaveLength(MAX_LIST);
    expect(s.fills[0].tradeId).toBe(String(MAX_LIST + 4));
  });

  it("reads the kill switch from its alert and ignores unknown events", () => {
    const s = emptyLiveState();
    applyLive(s, "alert", { kind: "raised", rule: "mm.kill_switch", message: "Kill switch engaged: desk", ts: 1 });
    expect(s.killSwitch).toEqual({ engaged: true, reason: "desk" });
    applyLive(s, "alert", { kind: "resolved", rule: "mm.kill_switch", ts: 2 });
    expect(s.killSwitch).toEqual({ engaged: false });
    const before = s.received;
    applyLive(s, "mystery", {});
    expect(s.received).toBe(before);
  });
});

describe("helpers", () => {
  it("diffs two config versions line by line", () => {
    const d = diffJson({ params: { a: 1, b: 2 } }, { params: { a: 1, b: 3 } });
    expect(d.filter((l) => l.op !== " ")).toEqual([
      { op: "-", text: '    "b": 2' },
      { op: "+", text: '    "b": 3' },
    ]);
  });

  it("writes CSV with quoting, exact decimals and no spreadsheet formulas", () => {
    expect(toCsv(["a", "b"], [{ a: "0.00000001", b: 'x,"y"' }, { a: "=SUM(A1)", b: "-1.5" }])).toBe('a,b\r\n0.00000001,"x,""y"""\r\n\'=SUM(A1),-1.5\r\n');
  });

  it("reads the roles of each operation from the OpenAPI document", () => {
    const perms = permissionsFrom({ paths: { "/api/v1/mm/kill-switch": { post: { "x-roles": ["trader", "admin"] } }, "/api/v1/auth/login": { post: { security: [] } } } });
    expect(allowed(perms, "trader", "POST /api/v1/mm/kill-switch")).toBe(true);
    expect(allowed(perms, "viewer", "POST /api/v1/mm/kill-switch")).toBe(false);
    expect(allowed(perms, "viewer", "POST /api/v1/unknown")).toBe(false);
    expect(allowed(perms, undefined, "POST /api/v1/auth/login")).toBe(false);
  });

  it("keeps parameter types: numbers, exact decimal strings, booleans; bad numbers as typed", () => {
    expect(coerceParam(0.5, "0.25")).toBe(0.25);
    expect(coerceParam(0.5, "abc")).toBe("abc");
    expect(coerceParam("0.002", "0.0030")).toBe("0.0030");
    expect(coerceParam(true, false)).toBe(false);
    expect(coerceParam({ a: 1 }, '{"a":2}')).toEqual({ a: 2 });
  });

  it("turns the gateway's 422 into field messages", () => {
    const e = toApiError(422, { error: { code: "VALIDATION_ERROR", message: "bad", data: [{ field: "params.orderAmount", message: "must be positive" }] } });
    expect(e.fields).toEqual({ "params.orderAmount": "must be positive" });
    expect(e.code).toBe("VALIDATION_ERROR");
    expect(fieldErrors(e, (f) => f.split(".")[0])).toEqual({ params: "must be positive" });
    expect(fieldErrors(toApiError(409, { error: { code: "CONFLICT", message: "exists" } }), (f) => f)).toBeNull();
    expect(fieldErrors(new Error("offline"), (f) => f)).toBeNull();
    expect(refusal(e, (f) => f)).toEqual({ errors: { "params.orderAmount": "must be positive" }, message: null });
    expect(refusal(new Error("offline"), (f) => f)).toEqual({ errors: {}, message: "offline" });
  });

  it("reads a parameters field's JSON, or names it not JSON", () => {
    expect(parseParamsJson('{ "orderAmount": "0.01" }')).toEqual({ value: { orderAmount: "0.01" } });
    expect(parseParamsJson("{ orderAmount: 1 }")).toEqual({ error: "Not valid JSON" });
  });

  it("formats decimal strings without float rounding and parses hash routes", () => {
    expect(fmtDecimal("1234567.891", 2)).toBe("1,234,567.89");
    expect(fmtDecimal("-0.000000019", 8)).toBe("-0.00000001");
    expect(parseHash("#/bots/demo%20bot")).toEqual({ page: "bots", arg: "demo bot" });
    expect(parseHash("#/nowhere")).toEqual({ page: "overview", arg: null });
  });
});
