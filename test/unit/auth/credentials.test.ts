import { signAccessToken, verifyAccessToken } from "../../../lib/auth/access-tokens";
import { generateApiToken, hashApiToken, isApiToken } from "../../../lib/auth/api-tokens";
import { hashPassword, verifyPassword } from "../../../lib/auth/passwords";
import { roleAllows } from "../../../lib/auth/roles";

describe("credentials", () => {
  const cheap = { N: 1024, r: 8, p: 1 };

  it("hashes passwords with scrypt and a per-hash salt", async () => {
    const a = await hashPassword("correct horse", cheap);
    const b = await hashPassword("correct horse", cheap);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse", a)).toBe(true);
    expect(await verifyPassword("correct hors", a)).toBe(false);
    expect(await verifyPassword("x", "not-a-hash")).toBe(false);
  });

  it("signs access tokens that expire and cannot be forged", () => {
    const secret = "s".repeat(40);
    const token = signAccessToken(secret, { userId: 7, username: "ann", role: "trader" });
    expect(verifyAccessToken(secret, token)).toEqual({ userId: 7, username: "ann", role: "trader", via: "password" });
    expect(verifyAccessToken("t".repeat(40), token)).toBeNull();
    expect(verifyAccessToken(secret, signAccessToken(secret, { userId: 7, username: "ann", role: "trader" }, -1))).toBeNull();
  });

  it("makes API tokens that are recognisable and stored only as a hash", () => {
    const token = generateApiToken();
    expect(isApiToken(token)).toBe(true);
    expect(token.length).toBeGreaterThan(30);
    expect(hashApiToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiToken(token)).not.toContain(token);
  });

  it("orders roles viewer < trader < admin", () => {
    expect(roleAllows("admin", "trader")).toBe(true);
    expect(roleAllows("trader", "trader")).toBe(true);
    expect(roleAllows("trader", "admin")).toBe(false);
    expect(roleAllows("viewer", "trader")).toBe(false);
  });
});
