import type { CexPayload, EvmPayload } from "../../../lib/keystore";

/** Cheap scrypt so tests do not spend 0.38 s per open. */
export const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };
export const MASTER = "correct horse battery staple";
export const OTHER_MASTER = "a different master key 42";

export const CEX: CexPayload = {
  exchange: "okx",
  apiKey: "ak-0123456789abcdefWXYZ",
  secret: "S3CR3T-never-show-me-0123456789abcdef",
  password: "pass-phrase-never-show",
  uid: "uid-771",
};

export const EVM: EvmPayload = {
  privateKey: "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
};

/** Every value that must never show up in listings, files or error messages. */
export const SECRET_VALUES = [CEX.secret, CEX.password as string, EVM.privateKey, EVM.privateKey.slice(2), MASTER, OTHER_MASTER];

export function expectNoSecrets(text: string): void {
  for (const value of SECRET_VALUES) expect(text).not.toContain(value);
}
