/**
 * Keystore in one JSON file, encrypted at rest with AES-256-GCM under a key
 * derived by scrypt from MASTER_KEY. The key is derived once at open; the
 * parsed file is kept in memory and every change is written atomically, one
 * change at a time, so this process must be the file's only writer.
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import { writeFileAtomic, SerialQueue } from "./atomic-write";
import type { ScryptParams } from "./crypto";
import { DEFAULT_SCRYPT, deriveKey, newSalt, scryptParamsProblem, seal, unseal } from "./crypto";
import { KeystoreError } from "./errors";
import type { FileEntry, KeystoreDocument } from "./file-format";
import { entryAad, FORMAT_VERSION, parseDocument, serializeDocument, toSummary, VERIFIER_AAD, VERIFIER_PLAINTEXT } from "./file-format";
import { checkMasterKey } from "./master-key";
import type { Keystore, PutSecretInput, Secret, SecretSummary } from "./types";
import { publicMetadata, validateId, validatePut, validateSecret } from "./validation";

export interface FileKeystoreOptions {
  path: string;
  masterKey: string;
  /** Cost for new files and master-key changes; existing files keep the cost recorded in them. */
  scrypt?: Partial<ScryptParams>;
}

export class FileKeystore implements Keystore {
  readonly backend = "file" as const;
  private readonly queue = new SerialQueue();
  private closed = false;

  private constructor(
    readonly path: string,
    private key: Buffer,
    private doc: KeystoreDocument,
    private readonly scryptParams: ScryptParams,
  ) {}

  /** Opens the file, or creates an empty keystore there; WRONG_MASTER_KEY if the key does not fit. */
  static async open(options: FileKeystoreOptions): Promise<FileKeystore> {
    const masterKey = checkMasterKey(options.masterKey);
    const file = path.resolve(options.path);
    const params: ScryptParams = { ...DEFAULT_SCRYPT, ...options.scrypt };
    const problem = scryptParamsProblem(params);
    if (problem !== null) throw new KeystoreError("INVALID_CONFIG", `Invalid scrypt parameters: ${problem}`);

    const text = await readIfExists(file);
    if (text === null) {
      const { key, doc } = await freshDocument(masterKey, params);
      await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await write(file, doc);
      return new FileKeystore(file, key, doc, params);
    }
    const doc = parseDocument(text, file);
    const key = await deriveKey(masterKey, Buffer.from(doc.kdf.salt, "base64"), doc.kdf);
    const check = unseal(key, doc.verifier, VERIFIER_AAD);
    if (check === null || !check.equals(VERIFIER_PLAINTEXT)) {
      key.fill(0);
      throw new KeystoreError("WRONG_MASTER_KEY", `MASTER_KEY does not decrypt the keystore at ${file}`);
    }
    return new FileKeystore(file, key, doc, params);
  }

  async list(): Promise<SecretSummary[]> {
    this.assertOpen();
    return this.doc.entries.map(toSummary).sort((a, b) => a.id.localeCompare(b.id));
  }

  async get(id: string): Promise<Secret> {
    this.assertOpen();
    return this.decrypt(this.find(validateId(id)), this.key);
  }

  async put(input: PutSecretInput): Promise<SecretSummary> {
    this.assertOpen();
    const { secret, label, overwrite } = validatePut(input);
    return this.queue.run(async () => {
      this.assertOpen();
      const existing = this.doc.entries.find((e) => e.id === secret.id);
      if (existing && !overwrite) {
        throw new KeystoreError("EXISTS", `Keystore entry ${secret.id} already exists; pass overwrite to replace it`);
      }
      const now = new Date().toISOString();
      const entry: FileEntry = {
        id: secret.id,
        ...publicMetadata(secret, label),
        ...this.sealPayload(secret, this.key),
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      const entries = this.doc.entries.filter((e) => e.id !== secret.id).concat(entry);
      await this.commit({ ...this.doc, entries });
      return toSummary(entry);
    });
  }

  async delete(id: string): Promise<void> {
    this.assertOpen();
    const validId = validateId(id);
    await this.queue.run(async () => {
      this.assertOpen();
      this.find(validId);
      await this.commit({ ...this.doc, entries: this.doc.entries.filter((e) => e.id !== validId) });
    });
  }

  /**
   * Decrypts everything with the current key, re-encrypts it under a key derived
   * from `newMasterKey` with a fresh salt, and replaces the file in one atomic
   * write. Any failure before the rename leaves the old file and key in force.
   */
  async changeMasterKey(newMasterKey: string): Promise<void> {
    this.assertOpen();
    const masterKey = checkMasterKey(newMasterKey, "new master key");
    await this.queue.run(async () => {
      this.assertOpen();
      const secrets = this.doc.entries.map((entry) => ({ entry, secret: this.decrypt(entry, this.key) }));
      const { key, doc } = await freshDocument(masterKey, this.scryptParams);
      try {
        doc.entries = secrets.map(({ entry, secret }) => ({ ...entry, ...this.sealPayload(secret, key) }));
        await write(this.path, doc);
      } catch (err) {
        key.fill(0);
        throw err;
      }
      const old = this.key;
      this.key = key;
      this.doc = doc;
      old.fill(0);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue.run(async () => {
      this.closed = true;
      this.key.fill(0);
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new KeystoreError("BACKEND_UNAVAILABLE", `Keystore at ${this.path} is closed`);
  }

  private find(id: string): FileEntry {
    const entry = this.doc.entries.find((e) => e.id === id);
    if (!entry) throw new KeystoreError("NOT_FOUND", `No keystore entry with id ${id}`);
    return entry;
  }

  private sealPayload(secret: Secret, key: Buffer) {
    return seal(key, Buffer.from(JSON.stringify(secret.payload), "utf8"), entryAad(secret.id, secret.kind));
  }

  private decrypt(entry: FileEntry, key: Buffer): Secret {
    const plaintext = unseal(key, entry, entryAad(entry.id, entry.kind));
    const corrupt = (why: string) =>
      new KeystoreError("CORRUPT", `Keystore entry ${entry.id} in ${this.path} ${why}; restore the file from a backup or put the entry again`);
    // The verifier proved the key right, so a failure here means the entry itself was altered or moved.
    if (plaintext === null) throw corrupt("failed authentication: it was modified, moved between entries or is damaged");
    let payload: unknown;
    try {
      payload = JSON.parse(plaintext.toString("utf8"));
    } catch {
      throw corrupt("does not hold a JSON payload");
    } finally {
      plaintext.fill(0);
    }
    try {
      return validateSecret(entry.id, entry.kind, payload);
    } catch (err) {
      throw corrupt(`holds an invalid payload (${err instanceof KeystoreError && err.field ? err.field : "unknown field"})`);
    }
  }

  private async commit(doc: KeystoreDocument): Promise<void> {
    await write(this.path, doc);
    this.doc = doc;
  }
}

async function freshDocument(masterKey: string, params: ScryptParams): Promise<{ key: Buffer; doc: KeystoreDocument }> {
  const salt = newSalt();
  const key = await deriveKey(masterKey, salt, params);
  const doc: KeystoreDocument = {
    version: FORMAT_VERSION,
    kdf: { name: "scrypt", ...params, salt: salt.toString("base64") },
    verifier: seal(key, VERIFIER_PLAINTEXT, VERIFIER_AAD),
    entries: [],
  };
  return { key, doc };
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw fsError("read", file, err);
  }
}

async function write(file: string, doc: KeystoreDocument): Promise<void> {
  try {
    await writeFileAtomic(file, serializeDocument(doc));
  } catch (err) {
    throw fsError("write", file, err);
  }
}

function fsError(action: string, file: string, err: unknown): KeystoreError {
  const code = (err as NodeJS.ErrnoException).code ?? "unknown error";
  return new KeystoreError("BACKEND_UNAVAILABLE", `Cannot ${action} keystore file ${file}: ${code}`);
}
