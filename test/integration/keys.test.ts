/**
 * The keys service on the file backend: secrets go in through the gateway, come out
 * masked, and are released only to the signing services, never through the gateway.
 */
import fs from "node:fs";
import type { ServiceBroker } from "moleculer";
import { createNode } from "../../services";
import { testEnv } from "../support/env";
import { http, startGateway } from "../support/http";

const API_SECRET = "s3cr3t-value-that-must-never-leak-0123456789";
const PRIVATE_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

describe("keys service", () => {
  const env = testEnv({ SERVICES: "api,auth,keys", MASTER_KEY: "correct horse battery staple" });
  let broker: ServiceBroker;
  let base: string;
  let adminToken: string;

  beforeAll(async () => {
    broker = createNode(env, { logger: false });
    // Stand-ins for the signing service and for any other service in the mesh.
    broker.createService({ name: "cex", actions: { credentials: (ctx) => ctx.call("keys.reveal", { id: ctx.params.id }) } });
    broker.createService({ name: "market-maker", actions: { peek: (ctx) => ctx.call("keys.reveal", { id: ctx.params.id }) } });
    ({ base, token: adminToken } = await startGateway(broker));
  });

  afterAll(async () => {
    await broker?.stop();
    env.cleanup();
  });

  it("stores a CEX key and an EVM key and lists masked hints only", async () => {
    const cex = await http(base, "POST", "/api/v1/keys", {
      token: adminToken,
      body: { id: "binance-main", kind: "cex", label: "main", payload: { exchange: "binance", apiKey: "AKIAEXAMPLEKEY1234wxyz", secret: API_SECRET } },
    });
    expect(cex.status).toBe(200);
    expect(cex.body).toMatchObject({ id: "binance-main", kind: "cex", exchange: "binance", hint: "****wxyz" });
    const evm = await http(base, "POST", "/api/v1/keys", { token: adminToken, body: { id: "deployer", kind: "evm", payload: { privateKey: PRIVATE_KEY } } });
    expect(evm.status).toBe(200);

    const list = await http(base, "GET", "/api/v1/keys", { token: adminToken });
    expect(list.body.map((e: { id: string }) => e.id)).toEqual(["binance-main", "deployer"]);
    const everything = JSON.stringify(list.body) + JSON.stringify(cex.body) + JSON.stringify(evm.body);
    expect(everything).not.toContain(API_SECRET);
    expect(everything).not.toContain(PRIVATE_KEY.slice(2));
    // Encrypted at rest.
    const onDisk = fs.readFileSync(env.keystore.backend === "file" ? env.keystore.path : "", "utf8");
    expect(onDisk).not.toContain(API_SECRET);
    expect(onDisk).not.toContain(PRIVATE_KEY.slice(2));
  });

  it("names the bad field of an invalid secret without echoing it", async () => {
    const res = await http(base, "POST", "/api/v1/keys", { token: adminToken, body: { id: "bad", kind: "evm", payload: { privateKey: "0x1234-not-a-key" } } });
    expect(res.status).toBe(422);
    expect(res.body.error.data[0].field).toBe("payload.privateKey");
    expect(JSON.stringify(res.body)).not.toContain("0x1234-not-a-key");
  });

  it("releases secrets to the signing service only", async () => {
    const secret = await broker.call<{ payload: { secret: string } }, object>("cex.credentials", { id: "binance-main" });
    expect(secret.payload.secret).toBe(API_SECRET);
    await expect(broker.call("market-maker.peek", { id: "binance-main" })).rejects.toMatchObject({ code: 403, type: "FORBIDDEN" });
  });

  it("never exposes reveal or master-key rotation through the gateway", async () => {
    const aliases = (broker.getLocalService("api") as unknown as { aliases: Array<{ action?: string }> }).aliases.map((a) => a.action);
    expect(aliases).not.toContain("keys.reveal");
    expect(aliases).not.toContain("keys.changeMasterKey");
    const doc = await http(base, "GET", "/api/openapi.json");
    expect(JSON.stringify(doc.body)).not.toMatch(/keys\.(reveal|changeMasterKey)/);
  });

  it("re-encrypts everything under a new master key; the old key then fails clearly", async () => {
    await broker.call("keys.changeMasterKey", { newMasterKey: "a brand new master key" });
    const stale = createNode({ ...env, nodeID: `${env.nodeID}-stale`, services: ["keys"] }, { logger: false });
    await stale.start();
    try {
      const status = await stale.call<{ locked: boolean; reason: string }, object>("keys.status", {});
      expect(status.locked).toBe(true);
      expect(status.reason).toMatch(/MASTER_KEY does not decrypt the keystore/);
      await expect(stale.call("keys.list")).rejects.toMatchObject({ code: 503, message: expect.stringMatching(/locked.*MASTER_KEY does not decrypt/) });
    } finally {
      await stale.stop();
    }
    const fresh = createNode({ ...env, nodeID: `${env.nodeID}-fresh`, services: ["keys"], masterKey: "a brand new master key" }, { logger: false });
    fresh.createService({ name: "wallet", actions: { key: (ctx) => ctx.call("keys.reveal", { id: ctx.params.id }) } });
    await fresh.start();
    try {
      const evm = await fresh.call<{ payload: { privateKey: string } }, object>("wallet.key", { id: "deployer" });
      expect(evm.payload.privateKey).toBe(PRIVATE_KEY);
    } finally {
      await fresh.stop();
    }
  });

  it("starts locked with a clear reason when MASTER_KEY is not set", async () => {
    const lockedEnv = testEnv({ SERVICES: "keys" });
    const locked = createNode(lockedEnv, { logger: false });
    await locked.start();
    try {
      await expect(locked.call("keys.list")).rejects.toMatchObject({ code: 503, message: "Keystore is locked: MASTER_KEY is not set" });
    } finally {
      await locked.stop();
      lockedEnv.cleanup();
    }
  });
});
