/** AES-256-GCM with a scrypt-derived key: the file backend's only crypto. */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from "node:crypto";

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * OWASP's recommendation for scrypt (N=2^17, r=8, p=1): about 0.38 s and 128 MiB
 * per derivation on this project's 2-core machines, paid once per open and
 * once per master-key change.
 */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

export const KEY_LENGTH = 32;
export const SALT_LENGTH = 16;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

/** Sealed data as stored in the file, every field base64. */
export interface Sealed {
  iv: string;
  tag: string;
  ciphertext: string;
}

/** Why a parameter set is unacceptable, or null. Bounds also stop a crafted file from asking for gigabytes. */
export function scryptParamsProblem(params: ScryptParams): string | null {
  const { N, r, p } = params;
  if (!Number.isInteger(N) || N < 2 ** 10 || N > 2 ** 20 || (N & (N - 1)) !== 0) return "N must be a power of 2 between 2^10 and 2^20";
  if (!Number.isInteger(r) || r < 1 || r > 32) return "r must be an integer from 1 to 32";
  if (!Number.isInteger(p) || p < 1 || p > 16) return "p must be an integer from 1 to 16";
  if (128 * N * r * p > 1024 ** 3) return "N*r*p needs more than 1 GiB of memory";
  return null;
}

export function newSalt(): Buffer {
  return randomBytes(SALT_LENGTH);
}

export function deriveKey(masterKey: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const { N, r, p } = params;
  return new Promise((resolve, reject) => {
    scrypt(masterKey.normalize("NFC"), salt, KEY_LENGTH, { N, r, p, maxmem: 128 * N * r * p + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Sealed {
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64"), ciphertext: ciphertext.toString("base64") };
}

/** The plaintext, or null when authentication fails (wrong key, tampering, swapped AAD). */
export function unseal(key: Buffer, sealed: Sealed, aad: Buffer): Buffer | null {
  const iv = Buffer.from(sealed.iv, "base64");
  const tag = Buffer.from(sealed.tag, "base64");
  // Node accepts truncated GCM tags unless told otherwise; a short tag would weaken authentication.
  if (iv.length !== IV_LENGTH || tag.length !== TAG_LENGTH) return null;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_LENGTH });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, "base64")), decipher.final()]);
  } catch {
    return null;
  }
}
