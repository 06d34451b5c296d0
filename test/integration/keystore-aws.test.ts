/**
 * The AWS Secrets Manager backend through the real AWS SDK, against a local
 * server that speaks the Secrets Manager JSON protocol.
 */
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { AwsKeystore, KeystoreError, createKeystore } from "../../lib/keystore";
import type { AwsKeystoreOptions } from "../../lib/keystore";
import { FakeSecretsManager } from "../support/fake-secrets-manager";
import { CEX, EVM, OTHER_MASTER, expectNoSecrets } from "../unit/keystore/fixtures";

const credentials = { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret-access-key" };
let fake: FakeSecretsManager;
const open: AwsKeystore[] = [];

function keystore(options: Partial<AwsKeystoreOptions> = {}): AwsKeystore {
  const ks = new AwsKeystore({ region: "us-east-1", endpoint: fake.endpoint, credentials, prefix: "test/", maxAttempts: 1, ...options });
  open.push(ks);
  return ks;
}

async function rejection(promise: Promise<unknown>): Promise<KeystoreError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(KeystoreError);
    expectNoSecrets((err as Error).message);
    expect((err as Error).message).not.toContain(CEX.apiKey);
    return err as KeystoreError;
  }
  throw new Error("expected a KeystoreError");
}

beforeEach(async () => {
  fake = new FakeSecretsManager("us-east-1");
  await fake.start();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((ks) => ks.close()));
  await fake.stop();
});

describe("AWS Secrets Manager keystore", () => {
  it("puts and gets cex and evm entries, one secret each, with metadata in tags", async () => {
    const ks = keystore();
    const summary = await ks.put({ id: "okx-main", kind: "cex", payload: CEX, label: "OKX (main) Über" });
    expect(summary).toMatchObject({ id: "okx-main", kind: "cex", exchange: "okx", label: "OKX (main) Über", hint: "****WXYZ" });
    await ks.put({ id: "hot-wallet", kind: "evm", payload: EVM });

    expect(await ks.get("okx-main")).toEqual({ id: "okx-main", kind: "cex", payload: CEX });
    expect(await ks.get("hot-wallet")).toEqual({ id: "hot-wallet", kind: "evm", payload: EVM });

    expect(JSON.parse(fake.secretString("test/okx-main")!)).toEqual({ version: 1, kind: "cex", payload: CEX });
    expect(fake.tagsOf("test/okx-main")).toEqual({
      "mmesh:kind": "cex",
      "mmesh:hint": "=2A=2A=2A=2AWXYZ",
      "mmesh:label": "OKX =28main=29 Über",
      "mmesh:exchange": "okx",
    });
    const create = fake.calls.find((c) => c.operation === "CreateSecret")!;
    expect(create.status).toBe(200);
  });

  it("lists ids and masked hints from tags, without ever reading a secret value", async () => {
    const ks = keystore();
    await ks.put({ id: "okx-main", kind: "cex", payload: CEX, label: "OKX main" });
    await ks.put({ id: "hot-wallet", kind: "evm", payload: EVM });
    fake.calls.length = 0;

    const list = await ks.list();
    expect(list).toEqual([
      { id: "hot-wallet", kind: "evm", hint: expect.stringMatching(/^fp:[0-9a-f]{8}$/), createdAt: expect.any(String), updatedAt: expect.any(String) },
      { id: "okx-main", kind: "cex", label: "OKX main", exchange: "okx", hint: "****WXYZ", createdAt: expect.any(String), updatedAt: expect.any(String) },
    ]);
    expect(new Date(list[0].createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expectNoSecrets(JSON.stringify(list));
    expect(fake.calls.map((c) => c.operation)).toEqual(["ListSecrets"]);
    expect(fake.calls[0].request).toMatchObject({ Filters: [{ Key: "name", Values: ["test/"] }] });
    expectNoSecrets(fake.calls[0].response);
    expect(fake.calls[0].response).not.toContain(CEX.apiKey);
  });

  it("pages through more than one ListSecrets page and skips secrets it does not own", async () => {
    const ks = keystore();
    const ids = Array.from({ length: 105 }, (_, i) => `k${String(i).padStart(3, "0")}`);
    for (const id of ids) await ks.put({ id, kind: "cex", payload: { ...CEX, apiKey: `api-key-for-${id}` } });
    const raw = new SecretsManagerClient({ region: "us-east-1", endpoint: fake.endpoint, credentials });
    await raw.send(new CreateSecretCommand({ Name: "other/x", SecretString: "{}" }));
    await raw.send(new CreateSecretCommand({ Name: "test/untagged", SecretString: "{}" }));
    raw.destroy();

    const list = await ks.list();
    expect(list.map((s) => s.id)).toEqual(ids);
    expect(fake.calls.filter((c) => c.operation === "ListSecrets")).toHaveLength(2);
  });

  it("creates without replacing: EXISTS unless overwrite, which rewrites value and tags", async () => {
    const ks = keystore();
    await ks.put({ id: "okx-main", kind: "cex", payload: CEX, label: "old label" });
    const err = await rejection(ks.put({ id: "okx-main", kind: "cex", payload: { ...CEX, apiKey: "replacement-key-0000" } }));
    expect(err.code).toBe("EXISTS");
    expect(await ks.get("okx-main")).toEqual({ id: "okx-main", kind: "cex", payload: CEX });

    const replaced = await ks.put({ id: "okx-main", kind: "cex", payload: { ...CEX, apiKey: "replacement-key-0000" }, overwrite: true });
    expect(replaced).toMatchObject({ id: "okx-main", hint: "****0000" });
    expect(replaced.label).toBeUndefined();
    expect((await ks.get("okx-main")).payload).toMatchObject({ apiKey: "replacement-key-0000" });
    expect(fake.tagsOf("test/okx-main")).toEqual({ "mmesh:kind": "cex", "mmesh:hint": "=2A=2A=2A=2A0000", "mmesh:exchange": "okx" });
    expect((await ks.list())[0]).toMatchObject({ id: "okx-main", hint: "****0000" });
    expect((await ks.list())[0].label).toBeUndefined();
  });

  it("reports a secret under the prefix that mmesh did not write as CORRUPT", async () => {
    const ks = keystore();
    const raw = new SecretsManagerClient({ region: "us-east-1", endpoint: fake.endpoint, credentials });
    await raw.send(new CreateSecretCommand({ Name: "test/foreign", SecretString: JSON.stringify({ apiKey: "x" }) }));
    await raw.send(new CreateSecretCommand({ Name: "test/bad-key", SecretString: JSON.stringify({ version: 1, kind: "evm", payload: { privateKey: "0x01" } }) }));
    raw.destroy();
    expect((await rejection(ks.get("foreign"))).code).toBe("CORRUPT");
    const err = await rejection(ks.get("bad-key"));
    expect(err.code).toBe("CORRUPT");
    expect(err.message).toContain("payload.privateKey");
    expect(err.message).not.toContain("0x01");
  });

  it("reports unknown ids as NOT_FOUND", async () => {
    const ks = keystore();
    expect((await rejection(ks.get("missing"))).code).toBe("NOT_FOUND");
    expect((await rejection(ks.delete("missing"))).code).toBe("NOT_FOUND");
  });

  it("deletes with a recovery window, and a later put of the same id restores and rewrites it", async () => {
    const ks = keystore();
    await ks.put({ id: "hot", kind: "evm", payload: EVM });
    await ks.delete("hot");
    expect(fake.calls.find((c) => c.operation === "DeleteSecret")!.request).toEqual({ SecretId: "test/hot", RecoveryWindowInDays: 7 });
    expect(fake.isScheduledForDeletion("test/hot")).toBe(true);
    expect((await rejection(ks.get("hot"))).code).toBe("NOT_FOUND");
    expect((await rejection(ks.delete("hot"))).code).toBe("NOT_FOUND");
    expect(await ks.list()).toEqual([]);

    const other = { privateKey: `0x${"22".repeat(32)}` };
    await ks.put({ id: "hot", kind: "evm", payload: other });
    expect(fake.isScheduledForDeletion("test/hot")).toBe(false);
    expect(await ks.get("hot")).toEqual({ id: "hot", kind: "evm", payload: other });
    expect((await ks.list()).map((s) => s.id)).toEqual(["hot"]);
  });

  it("deletes at once with forceDeleteWithoutRecovery", async () => {
    const ks = keystore({ forceDeleteWithoutRecovery: true });
    await ks.put({ id: "hot", kind: "evm", payload: EVM });
    await ks.delete("hot");
    expect(fake.secretString("test/hot")).toBeUndefined();
    await ks.put({ id: "hot", kind: "evm", payload: EVM });
    expect((await ks.get("hot")).payload).toEqual(EVM);
  });

  it("validates before calling AWS", async () => {
    const ks = keystore();
    const err = await rejection(ks.put({ id: "x", kind: "evm", payload: { privateKey: "0x12" } }));
    expect(err).toMatchObject({ code: "INVALID_SECRET", field: "payload.privateKey" });
    expect(fake.calls).toEqual([]);
  });

  it("maps 5xx and throttling to BACKEND_UNAVAILABLE without echoing the secret", async () => {
    const ks = keystore();
    fake.failNext("CreateSecret", { status: 500, type: "InternalServiceError" });
    const err = await rejection(ks.put({ id: "okx-main", kind: "cex", payload: CEX }));
    expect(err.code).toBe("BACKEND_UNAVAILABLE");
    expect(err.message).toMatch(/okx-main.*InternalServiceError.*HTTP 500/);

    fake.failNext("ListSecrets", { status: 400, type: "ThrottlingException" });
    expect((await rejection(ks.list())).code).toBe("BACKEND_UNAVAILABLE");
  });

  it("retries a transient failure through the SDK's retry strategy", async () => {
    const ks = keystore({ maxAttempts: 3 });
    fake.failNext("GetSecretValue", { status: 503, type: "ServiceUnavailable" });
    fake.failNext("CreateSecret", { status: 500, type: "InternalServiceError" });
    await ks.put({ id: "hot", kind: "evm", payload: EVM });
    expect((await ks.get("hot")).payload).toEqual(EVM);
    expect(fake.calls.filter((c) => c.status >= 500)).toHaveLength(2);
  });

  it("maps a refusal such as AccessDenied to BACKEND_ERROR", async () => {
    const ks = keystore();
    fake.failNext("GetSecretValue", { status: 400, type: "AccessDeniedException" });
    const err = await rejection(ks.get("hot"));
    expect(err.code).toBe("BACKEND_ERROR");
    expect(err.message).toContain("AccessDeniedException");
  });

  it("reports a server that is down as BACKEND_UNAVAILABLE", async () => {
    const down = new FakeSecretsManager();
    const endpoint = await down.start();
    await down.stop();
    const ks = keystore({ endpoint, maxAttempts: 2, timeoutMs: 1000 });
    const calls = [() => ks.list(), () => ks.get("hot"), () => ks.put({ id: "okx-main", kind: "cex", payload: CEX }), () => ks.delete("hot")];
    for (const call of calls) {
      const err = await rejection(call());
      expect(err.code).toBe("BACKEND_UNAVAILABLE");
      expect(err.message).toContain(endpoint);
      expect(err.message).toContain("ECONNREFUSED");
    }
  });

  it("gives up on a hung server after timeoutMs", async () => {
    const ks = keystore({ timeoutMs: 300 });
    fake.stallNext("GetSecretValue");
    const started = Date.now();
    const err = await rejection(ks.get("hot"));
    expect(err.code).toBe("BACKEND_UNAVAILABLE");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("refuses changeMasterKey: rotation is KMS's job", async () => {
    const ks = await createKeystore({ backend: "aws", aws: { region: "us-east-1", endpoint: fake.endpoint, credentials } });
    open.push(ks as AwsKeystore);
    const err = await rejection(ks.changeMasterKey(OTHER_MASTER));
    expect(err.code).toBe("UNSUPPORTED");
    expect(fake.calls).toEqual([]);
  });

  it("the fake rejects unsigned requests and unknown operations like AWS", async () => {
    const res = await fetch(fake.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "secretsmanager.ListSecrets" },
      body: "{}",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ __type: "UnrecognizedClientException" });
  });
});
