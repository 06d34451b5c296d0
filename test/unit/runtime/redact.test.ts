/** The redactor: secret-named fields, secrets in text, errors, event payloads. */
import { Errors } from "moleculer";
import { toErrorResponse } from "../../../lib/api/error-response";
import { clearKnownSecrets, isSecretKey, REDACTED, redact, redactErrorParts, redactSecretFields, redactText, registerSecret } from "../../../lib/runtime/redact";

afterEach(() => clearKnownSecrets());

describe("isSecretKey", () => {
  it("knows secret-bearing names case-insensitively, with separators and prefixes", () => {
    for (const name of ["password", "newPassword", "currentPassword", "secret", "apiKey", "API_KEY", "x-api-key", "apiSecret", "privateKey", "private_key", "token", "accessToken", "refreshToken", "passphrase", "mnemonic", "seed", "masterKey", "MASTER_KEY", "newMasterKey", "authorization", "Authorization", "cookie", "telegramBotToken", "jwtSecret", "password_hash", "secretAccessKey"]) {
      expect({ name, secret: isSecretKey(name) }).toEqual({ name, secret: true });
    }
  });

  it("leaves ordinary names alone", () => {
    for (const name of ["username", "keyId", "tokenId", "tokens", "tokenIn", "amount", "symbol", "hint", "id", "role"]) {
      expect({ name, secret: isSecretKey(name) }).toEqual({ name, secret: false });
    }
  });
});

describe("redact", () => {
  it("replaces secret fields at any depth, in arrays, and survives cycles", () => {
    const input: Record<string, unknown> = {
      username: "alice",
      password: "canary-pw-0001",
      payload: { exchange: "binance", apiKey: "canary-key-0002", secret: "canary-secret-0003" },
      wallets: [{ privateKey: `0x${"ab".repeat(32)}` }],
    };
    input.self = input;
    const out = redact(input) as Record<string, unknown>;
    expect(out).toMatchObject({ username: "alice", password: REDACTED, payload: { exchange: "binance", apiKey: REDACTED, secret: REDACTED }, wallets: [{ privateKey: REDACTED }], self: "[Circular]" });
    // The input is not changed.
    expect(input.password).toBe("canary-pw-0001");
  });

  it("keeps an EVM address under a secret-looking name, and an asset symbol as `token` (an ERC-20 is public)", () => {
    const token = `0x${"12".repeat(20)}`;
    expect(redact({ token })).toEqual({ token });
    expect(redact({ token: "USDC", amounts: [{ token: "WETH", amount: "1.5" }] })).toEqual({ token: "USDC", amounts: [{ token: "WETH", amount: "1.5" }] });
    expect(redact({ token: "mmt_abcdefghijklmnopqrstuvwxyz", password: "USDC" })).toEqual({ token: REDACTED, password: REDACTED });
  });

  it("stops at a bounded depth", () => {
    let deep: Record<string, unknown> = { password: "canary-deep-0004" };
    for (let i = 0; i < 20; i++) deep = { next: deep };
    expect(JSON.stringify(redact(deep))).not.toContain("canary-deep-0004");
  });

  it("hides, in text seen later, a value it redacted under a secret name", () => {
    redact({ secret: "canary-remembered-0005" });
    expect(redactText("signing failed with canary-remembered-0005")).toBe(`signing failed with ${REDACTED}`);
  });

  it("redacts an error's message, stack and data; a validation error quotes no string value and nothing of a secret field", () => {
    const err = new Errors.ValidationError("Parameters validation error!", "VALIDATION_ERROR", [
      { type: "string", field: "payload.privateKey", message: "The 'payload.privateKey' field must be a string, not canary-err-0006.", actual: ["canary-err-0006"] },
      { type: "string", field: "payload", message: "The 'payload' field must be an object.", actual: "canary-err-0016" },
      { type: "numberMax", field: "expiresInDays", message: "too many", actual: 9999 },
      { type: "string", field: "newPassword", message: "The 'newPassword' field must be a string.", actual: 1234567890123 },
    ]);
    const out = redact(err) as Errors.ValidationError;
    expect(out).toBeInstanceOf(Errors.ValidationError);
    const printed = JSON.stringify({ message: out.message, stack: out.stack, data: out.data });
    for (const secret of ["canary-err-0006", "canary-err-0016", "1234567890123"]) expect(printed).not.toContain(secret);
    expect(out.data).toEqual([
      expect.objectContaining({ field: "payload.privateKey", actual: REDACTED }),
      expect.objectContaining({ field: "payload", actual: REDACTED }),
      expect.objectContaining({ field: "expiresInDays", actual: 9999 }),
      expect.objectContaining({ field: "newPassword", actual: REDACTED }),
    ]);
  });
});

describe("redactText", () => {
  it("hides registered values, name/value pairs, bearer credentials, JWTs, API tokens and URL passwords", () => {
    registerSecret("canary-known-0007");
    const text = [
      "known canary-known-0007",
      "password=hunter2hunter2",
      '{"apiSecret":"canary-json-0008"}',
      "{ newPassword: 'canary-inspect-0009' }",
      "Authorization: Bearer canary.bearer.0010",
      "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
      "api token mmt_canaryApiToken0011",
      "postgres://mmesh:canary-url-0012@db:5432/mmesh",
    ].join("\n");
    const out = redactText(text);
    for (const secret of ["canary-known-0007", "hunter2hunter2", "canary-json-0008", "canary-inspect-0009", "canary.bearer.0010", "eyJzdWIiOiIxIn0", "mmt_canaryApiToken0011", "canary-url-0012"]) {
      expect({ secret, leaked: out.includes(secret) }).toEqual({ secret, leaked: false });
    }
    expect(out).toContain('"apiSecret":"[redacted]"');
  });

  it("leaves field names in messages and ordinary text alone", () => {
    const text = "The 'password' field must be a string. tokenIn=0xabc amount=1.5 Current password is wrong";
    expect(redactText(text)).toBe(text);
  });
});

describe("redactErrorParts", () => {
  it("drops the value of a secret field from data and message", () => {
    const { message, data } = redactErrorParts("bad value canary-part-0013", [{ field: "newPassword", type: "string", actual: "canary-part-0013" }]);
    expect(JSON.stringify({ message, data })).not.toContain("canary-part-0013");
  });
});

describe("redactSecretFields (event payloads)", () => {
  it("returns the same payload when it has no secret field", () => {
    const payload = { exchange: "paper", symbol: "BTC/USDT", bids: [["100", "1"]], ts: 1 };
    const { value, hidden } = redactSecretFields(payload);
    expect(value).toBe(payload);
    expect(hidden).toEqual([]);
  });

  it("keeps numbers and flags (a lease's fencing token) and public values", () => {
    const lease = { key: "bot-1", owner: "node-1", token: 42, expiresAt: 1, wallet: { token: "USDC" } };
    expect(redactSecretFields(lease).value).toBe(lease);
  });

  it("replaces secret fields and names their paths", () => {
    const { value, hidden } = redactSecretFields({ bot: "b", creds: [{ apiKey: "canary-ev-0014" }] });
    expect(value).toEqual({ bot: "b", creds: [{ apiKey: REDACTED }] });
    expect(hidden).toEqual(["creds[0].apiKey"]);
  });
});

describe("the gateway's error responses", () => {
  it("name the field of a ValidationError on privateKey without its value", () => {
    const key = `0x${"cd".repeat(32)}`;
    const err = new Errors.ValidationError("Parameters validation error!", "VALIDATION_ERROR", [{ type: "stringPattern", field: "privateKey", message: `The 'privateKey' field fails to match (got ${key}).`, actual: key }]);
    const { status, body } = toErrorResponse(err);
    expect(status).toBe(422);
    expect(body.error.data).toEqual([expect.objectContaining({ field: "privateKey", actual: REDACTED })]);
    expect(JSON.stringify(body)).not.toContain(key);
  });
});

describe("registerSecret", () => {
  it("does not keep values its patterns already find (JWTs, API tokens), yet they stay hidden", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIn0.c2lnbmF0dXJlMg";
    registerSecret(jwt);
    registerSecret("mmt_abcdefghijklmnop");
    expect(redactText(`${jwt} mmt_abcdefghijklmnop`)).toBe(`${REDACTED} ${REDACTED}`);
  });
});
