/**
 * Config writes over HTTP with a version precondition: expectedVersion in the body or
 * If-Match. A repeat of an applied write answers it again; a stale one is 409 and writes nothing.
 */
import type { ServiceBroker } from "moleculer";
import { createNode } from "../../services";
import { testEnv } from "../support/env";
import { http, startGateway } from "../support/http";

describe("config writes with a version precondition, through the gateway", () => {
  const env = testEnv({ SERVICES: "api,auth,config", RATE_LIMIT_PER_MINUTE: "10000" });
  let broker: ServiceBroker;
  let base: string;
  let token: string;
  const market = (keyId: string) => ({ body: { venue: "paper", kind: "cex", symbol: "BTC/USDT", keyId } });
  const put = async (name: string, body: object, ifMatch?: string) => {
    const res = await fetch(`${base}/api/v1/config/markets/${name}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...(ifMatch !== undefined ? { "if-match": ifMatch } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    broker = createNode(env, { logger: false });
    ({ base, token } = await startGateway(broker));
  });
  afterAll(async () => {
    await broker?.stop();
    env.cleanup();
  });

  it("applies a write once: a repeat answers the same version, a stale If-Match is 409", async () => {
    const created = await put("pre", market("a"), '"0"');
    expect(created).toMatchObject({ status: 200, body: { version: 1 } });
    const repeat = await put("pre", market("a"), '"0"');
    expect(repeat).toMatchObject({ status: 200, body: { version: 1, createdAt: created.body.createdAt } });
    expect((await put("pre", market("b"), 'W/"1"')).body.version).toBe(2);
    const stale = await put("pre", market("c"), '"1"');
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("version 2"), data: { field: "expectedVersion", version: 2 } });
    const bodyWins = await put("pre", { ...market("d"), expectedVersion: 2 }, '"1"');
    expect(bodyWins.body.version).toBe(3);
    const history = await http(base, "GET", "/api/v1/config/markets/pre/history", { token });
    expect(history.body.map((d: { version: number }) => d.version)).toEqual([3, 2, 1]);
  });

  it("refuses a malformed If-Match naming expectedVersion, and ignores it on routes without the param", async () => {
    const bad = await put("pre-bad", market("a"), '"abc"');
    expect(bad.status).toBe(422);
    expect(bad.body.error.data.map((d: { field: string }) => d.field)).toEqual(["expectedVersion"]);
    const res = await fetch(`${base}/api/v1/config/markets`, { headers: { authorization: `Bearer ${token}`, "if-match": '"9"' } });
    expect(res.status).toBe(200);
  });
});
