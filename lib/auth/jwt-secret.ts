/**
 * The key that signs access tokens, never stored beside the data it protects:
 * - JWT_SECRET when set (used as given);
 * - else derived from MASTER_KEY: scrypt with the keystore's cost (a token must not become a
 *   fast oracle for guessing MASTER_KEY), then HKDF-SHA256 to a key for this one purpose. The
 *   salt is not secret and lives in the database so every auth node derives the same key;
 * - else a random key held in this process only: access tokens end when it restarts
 *   (refresh tokens, checked in the database, survive). Refused in a distributed mesh,
 *   where every auth node must verify every token.
 */
import { hkdfSync, randomBytes } from "node:crypto";
import { DEFAULT_SCRYPT, deriveKey, type ScryptParams } from "../keystore/crypto";

export type JwtSecretSource = "JWT_SECRET" | "MASTER_KEY" | "process";

const HKDF_INFO = "mmesh/auth/access-token-hs256/v1";

export async function deriveJwtSecret(masterKey: string, salt: Buffer, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const stretched = await deriveKey(masterKey, salt, params);
  return Buffer.from(hkdfSync("sha256", stretched, salt, HKDF_INFO, 32)).toString("base64url");
}

export class JwtSecretMissingError extends Error {
  override name = "JwtSecretMissingError";
  constructor() {
    super("auth: set JWT_SECRET (32+ characters) or MASTER_KEY so every auth node of the mesh signs and verifies with the same key");
  }
}

export interface JwtSecretInputs {
  jwtSecret: string | null;
  masterKey: string | null;
  distributed: boolean;
  /** The shared, non-secret salt (read or created in the database); asked only when MASTER_KEY is used. */
  salt(): Promise<Buffer>;
}

export async function chooseJwtSecret(inputs: JwtSecretInputs): Promise<{ secret: string; source: JwtSecretSource }> {
  if (inputs.jwtSecret) return { secret: inputs.jwtSecret, source: "JWT_SECRET" };
  if (inputs.masterKey) return { secret: await deriveJwtSecret(inputs.masterKey, await inputs.salt()), source: "MASTER_KEY" };
  if (inputs.distributed) throw new JwtSecretMissingError();
  return { secret: randomBytes(48).toString("base64url"), source: "process" };
}
