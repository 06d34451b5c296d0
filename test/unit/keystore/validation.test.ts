import { createHash } from "node:crypto";
import { KeystoreError, hintFor, validatePut } from "../../../lib/keystore";
import { CEX, EVM, expectNoSecrets } from "./fixtures";

function invalidField(input: unknown): string | undefined {
  try {
    validatePut(input);
  } catch (err) {
    expect(err).toBeInstanceOf(KeystoreError);
    expect((err as KeystoreError).code).toBe("INVALID_SECRET");
    expectNoSecrets((err as Error).message);
    return (err as KeystoreError).field;
  }
  throw new Error("expected validation to fail");
}

describe("keystore validation", () => {
  it("accepts a full cex payload and an evm key, normalising the key to 0x lowercase", () => {
    expect(validatePut({ id: "okx-main", kind: "cex", payload: CEX, label: "  OKX main  " })).toEqual({
      secret: { id: "okx-main", kind: "cex", payload: CEX },
      label: "OKX main",
      overwrite: false,
    });
    const upper = `0x${EVM.privateKey.slice(2).toUpperCase()}`;
    expect(validatePut({ id: "hot", kind: "evm", payload: { privateKey: upper }, overwrite: true }).secret.payload).toEqual(EVM);
    expect(validatePut({ id: "hot", kind: "evm", payload: { privateKey: EVM.privateKey.slice(2) } }).secret.payload).toEqual(EVM);
  });

  it("keeps line breaks in a multi-line (PEM) secret", () => {
    const pem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI...\n-----END EC PRIVATE KEY-----\n";
    const { secret } = validatePut({ id: "cb", kind: "cex", payload: { exchange: "coinbase", apiKey: "organizations/x/apiKeys/y", secret: pem } });
    expect(secret.kind === "cex" && secret.payload.secret).toBe(pem);
  });

  it.each([
    [{ id: "x", kind: "evm", payload: { privateKey: "0x1234" } }, "payload.privateKey"],
    [{ id: "x", kind: "evm", payload: { privateKey: `0x${"g".repeat(64)}` } }, "payload.privateKey"],
    [{ id: "x", kind: "evm", payload: { privateKey: `0x${"0".repeat(64)}` } }, "payload.privateKey"],
    [{ id: "x", kind: "evm", payload: { privateKey: `0x${"f".repeat(64)}` } }, "payload.privateKey"],
    [{ id: "x", kind: "evm", payload: {} }, "payload.privateKey"],
    [{ id: "x", kind: "evm", payload: { ...EVM, address: "0xabc" } }, "payload.address"],
    [{ id: "x", kind: "cex", payload: { ...CEX, exchange: "Binance!" } }, "payload.exchange"],
    [{ id: "x", kind: "cex", payload: { ...CEX, apiKey: "has space" } }, "payload.apiKey"],
    [{ id: "x", kind: "cex", payload: { ...CEX, apiKey: 42 } }, "payload.apiKey"],
    [{ id: "x", kind: "cex", payload: { ...CEX, secret: "   " } }, "payload.secret"],
    [{ id: "x", kind: "cex", payload: { exchange: "okx", apiKey: "k" } }, "payload.secret"],
    [{ id: "x", kind: "cex", payload: { ...CEX, password: "a\u0000b" } }, "payload.password"],
    [{ id: "x", kind: "cex", payload: { ...CEX, passphrase: "p" } }, "payload.passphrase"],
    [{ id: "x", kind: "cex", payload: "not an object" }, "payload"],
    [{ id: "x", kind: "ssh", payload: EVM }, "kind"],
    [{ id: "../etc/passwd", kind: "evm", payload: EVM }, "id"],
    [{ id: "", kind: "evm", payload: EVM }, "id"],
    [{ id: "a".repeat(65), kind: "evm", payload: EVM }, "id"],
    [{ id: "x", kind: "evm", payload: EVM, label: "x".repeat(101) }, "label"],
    [{ id: "x", kind: "evm", payload: EVM, label: "tab\there" }, "label"],
    [{ id: "x", kind: "evm", payload: EVM, overwrite: "yes" }, "overwrite"],
  ])("rejects %j naming %s", (input, field) => {
    expect(invalidField(input)).toBe(field);
  });

  it("tells a ccxt user where the passphrase goes", () => {
    expect(() => validatePut({ id: "x", kind: "cex", payload: { ...CEX, passphrase: "p" } })).toThrow(/password/);
  });

  it("hints with the last 4 characters of an API key and a fingerprint of an EVM key", () => {
    expect(hintFor({ id: "a", kind: "cex", payload: CEX })).toBe("****WXYZ");
    expect(hintFor({ id: "a", kind: "cex", payload: { ...CEX, apiKey: "short" } })).toBe("****");
    const fp = createHash("sha256").update(Buffer.from(EVM.privateKey.slice(2), "hex")).digest("hex").slice(0, 8);
    expect(hintFor({ id: "a", kind: "evm", payload: EVM })).toBe(`fp:${fp}`);
    expect(EVM.privateKey).not.toContain(fp);
  });
});
