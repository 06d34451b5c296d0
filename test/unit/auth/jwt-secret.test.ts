/** Choosing and deriving the access-token signing key. */
import { chooseJwtSecret, deriveJwtSecret, JwtSecretMissingError } from "../../../lib/auth/jwt-secret";

describe("JWT signing key", () => {
  const cheap = { N: 1024, r: 8, p: 1 };
  const salt = Buffer.alloc(16, 7);

  it("derives the same key from the same MASTER_KEY and salt, another from another", async () => {
    const a = await deriveJwtSecret("master-key-one", salt, cheap);
    expect(await deriveJwtSecret("master-key-one", salt, cheap)).toBe(a);
    expect(await deriveJwtSecret("master-key-two", salt, cheap)).not.toBe(a);
    expect(await deriveJwtSecret("master-key-one", Buffer.alloc(16, 8), cheap)).not.toBe(a);
    expect(Buffer.from(a, "base64url")).toHaveLength(32);
    expect(a).not.toContain("master-key-one");
  });

  it("prefers JWT_SECRET, then MASTER_KEY, then a key of this process (embedded only)", async () => {
    let saltAsked = 0;
    const salty = async () => (saltAsked++, salt);
    expect(await chooseJwtSecret({ jwtSecret: "j".repeat(40), masterKey: "m".repeat(20), distributed: true, salt: salty })).toEqual({ secret: "j".repeat(40), source: "JWT_SECRET" });
    expect(saltAsked).toBe(0);
    const a = await chooseJwtSecret({ jwtSecret: null, masterKey: null, distributed: false, salt: salty });
    const b = await chooseJwtSecret({ jwtSecret: null, masterKey: null, distributed: false, salt: salty });
    expect(a.source).toBe("process");
    expect(a.secret).not.toBe(b.secret);
    await expect(chooseJwtSecret({ jwtSecret: null, masterKey: null, distributed: true, salt: salty })).rejects.toBeInstanceOf(JwtSecretMissingError);
  });
});
