import { evaluateIntervalFor } from "../../../services/alerting.service";

describe("alert evaluation interval", () => {
  it("evaluates at least twice per probe interval, so a server down for one probe is seen", () => {
    expect(evaluateIntervalFor(2_000)).toBe(1_000);
    expect(evaluateIntervalFor(10_000)).toBe(5_000); // default probe interval: the 5 s default
    expect(evaluateIntervalFor(60_000)).toBe(5_000); // never slower than the default
    expect(evaluateIntervalFor(100)).toBe(250); // never busier than 4 per second
  });
});
