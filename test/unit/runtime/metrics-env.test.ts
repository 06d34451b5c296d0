/** METRICS_HOST and METRICS_TOKEN in readEnv. */
import { EnvError, readEnv } from "../../../lib/runtime/env";

describe("metrics settings", () => {
  it("bind /metrics where the API binds unless METRICS_HOST says otherwise", () => {
    expect(readEnv({}).metricsHost).toBe("127.0.0.1");
    expect(readEnv({ API_HOST: "0.0.0.0" }).metricsHost).toBe("0.0.0.0");
    expect(readEnv({ API_HOST: "0.0.0.0", METRICS_HOST: "127.0.0.1" }).metricsHost).toBe("127.0.0.1");
  });

  it("take an optional token of 16+ printable characters", () => {
    expect(readEnv({}).metricsToken).toBeNull();
    expect(readEnv({ METRICS_TOKEN: "0123456789abcdef" }).metricsToken).toBe("0123456789abcdef");
    expect(() => readEnv({ METRICS_TOKEN: "short" })).toThrow(EnvError);
    expect(() => readEnv({ METRICS_TOKEN: "has a space in it 0123" })).toThrow(/METRICS_TOKEN/);
  });
});
