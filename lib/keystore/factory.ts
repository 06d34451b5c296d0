/** Builds the configured keystore backend; the keys service's one entry point. */
import type { AwsKeystoreOptions } from "./aws-backend";
import { AwsKeystore } from "./aws-backend";
import type { ScryptParams } from "./crypto";
import { KeystoreError } from "./errors";
import { FileKeystore } from "./file-backend";
import { checkMasterKey } from "./master-key";
import type { Keystore } from "./types";

export interface KeystoreOptions {
  backend: "file" | "aws";
  /** MASTER_KEY; required by the file backend, ignored by the AWS one. */
  masterKey?: string | null;
  /** Keystore file for the file backend, e.g. ./data/keystore.json. */
  path?: string;
  /** scrypt cost for new files and master-key changes (tests lower it). */
  scrypt?: Partial<ScryptParams>;
  aws?: AwsKeystoreOptions;
}

export async function createKeystore(options: KeystoreOptions): Promise<Keystore> {
  if (options.backend === "file") {
    const masterKey = checkMasterKey(options.masterKey);
    if (typeof options.path !== "string" || options.path.trim() === "") {
      throw new KeystoreError("INVALID_CONFIG", "The file keystore needs a path, e.g. ./data/keystore.json");
    }
    return FileKeystore.open({ path: options.path, masterKey, ...(options.scrypt ? { scrypt: options.scrypt } : {}) });
  }
  if (options.backend === "aws") {
    if (!options.aws) throw new KeystoreError("INVALID_CONFIG", "The AWS keystore needs aws options with at least a region");
    return new AwsKeystore(options.aws);
  }
  throw new KeystoreError("INVALID_CONFIG", `Unknown keystore backend ${JSON.stringify(String(options.backend))}; expected "file" or "aws"`);
}
