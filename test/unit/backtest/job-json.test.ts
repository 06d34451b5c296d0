/** jobJson: a job's fields with the stored report text put in as it is (what backtest.run streams). */
import { jobJson } from "../../../lib/backtest/run-store";

describe("jobJson", () => {
  const job = {
    id: "5b0c1d7e-8a47-4f3e-9d59-2f3c0b7a9e11",
    state: "done" as const,
    request: { strategy: "pure_market_making" as const, params: { note: "zoë 𝄞" }, dataset: "d.jsonl" },
    by: "admin",
    createdAt: "2026-12-06T15:00:00.000Z",
    startedAt: "2026-12-06T15:00:00.010Z",
    finishedAt: "2026-12-06T15:00:01.000Z",
    progress: 1,
    events: 10,
    error: null,
  };

  it("is the job's JSON with report last, the stored text unchanged", () => {
    const report = JSON.stringify({ engine: "stream", results: [{ fills: [{ price: "1.5" }] }] });
    const json = jobJson(job, report);
    expect(json).toBe(JSON.stringify({ ...job, report: JSON.parse(report) }));
    expect(json.endsWith(`"report":${report}}`)).toBe(true);
  });

  it("has report null without a stored report", () => {
    expect(JSON.parse(jobJson(job, null))).toEqual({ ...job, report: null });
  });
});
