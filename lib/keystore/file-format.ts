/**
 * The keystore file, version 1:
 * { version, kdf: { name: "scrypt", N, r, p, salt }, verifier, entries: [...] }.
 * Metadata (ids, kind, label, hint, exchange, dates) is in clear; each payload is
 * AES-256-GCM sealed with the entry's id and kind as additional authenticated
 * data, so ciphertexts moved between entries fail to decrypt.
 */
import { KeystoreError } from "./errors";
import type { Sealed, ScryptParams } from "./crypto";
import { scryptParamsProblem } from "./crypto";
import type { SecretKind, SecretSummary } from "./types";
import { SECRET_KINDS } from "./types";

export const FORMAT_VERSION = 1;

export interface KdfRecord extends ScryptParams {
  name: "scrypt";
  /** base64 */
  salt: string;
}

export interface FileEntry extends Sealed {
  id: string;
  kind: SecretKind;
  label?: string;
  hint: string;
  exchange?: string;
  createdAt: string;
  updatedAt: string;
}

export interface KeystoreDocument {
  version: typeof FORMAT_VERSION;
  kdf: KdfRecord;
  /** A known plaintext sealed under the key: a wrong key fails here even when there are no entries. */
  verifier: Sealed;
  entries: FileEntry[];
}

export const VERIFIER_PLAINTEXT = Buffer.from("mmesh keystore verifier v1", "utf8");
export const VERIFIER_AAD = Buffer.from("mmesh-keystore/v1\u0000verifier", "utf8");

export function entryAad(id: string, kind: SecretKind): Buffer {
  return Buffer.from(`mmesh-keystore/v1\u0000entry\u0000${kind}\u0000${id}`, "utf8");
}

export function toSummary(entry: FileEntry): SecretSummary {
  return {
    id: entry.id,
    kind: entry.kind,
    ...(entry.label === undefined ? {} : { label: entry.label }),
    ...(entry.exchange === undefined ? {} : { exchange: entry.exchange }),
    hint: entry.hint,
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt,
  };
}

export function serializeDocument(doc: KeystoreDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isString(value: unknown): value is string {
  return typeof value === "string";
}

function isSealed(value: unknown): value is Sealed {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return [v.iv, v.tag, v.ciphertext].every((part) => isString(part) && BASE64.test(part));
}

function isEntry(value: unknown): value is FileEntry {
  if (!isSealed(value)) return false;
  const v = value as unknown as Record<string, unknown>;
  return (
    isString(v.id) &&
    (SECRET_KINDS as readonly unknown[]).includes(v.kind) &&
    (v.label === undefined || isString(v.label)) &&
    (v.exchange === undefined || isString(v.exchange)) &&
    isString(v.hint) &&
    isString(v.createdAt) &&
    isString(v.updatedAt)
  );
}

/** Parses and shape-checks a keystore file; any defect is CORRUPT (or UNSUPPORTED for a newer format). */
export function parseDocument(text: string, path: string): KeystoreDocument {
  const corrupt = (why: string) => new KeystoreError("CORRUPT", `Keystore file ${path} is corrupt: ${why}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw corrupt("not valid JSON");
  }
  if (typeof raw !== "object" || raw === null) throw corrupt("not a JSON object");
  const doc = raw as Record<string, unknown>;
  if (doc.version !== FORMAT_VERSION) {
    if (typeof doc.version === "number" && doc.version > FORMAT_VERSION) {
      throw new KeystoreError("UNSUPPORTED", `Keystore file ${path} has format version ${doc.version}; this mmesh reads version ${FORMAT_VERSION}`);
    }
    throw corrupt("missing or unknown format version");
  }
  const kdf = doc.kdf as Record<string, unknown> | null | undefined;
  if (typeof kdf !== "object" || kdf === null || kdf.name !== "scrypt" || !isString(kdf.salt) || !BASE64.test(kdf.salt)) {
    throw corrupt("kdf must be { name: \"scrypt\", N, r, p, salt }");
  }
  const params = { N: kdf.N as number, r: kdf.r as number, p: kdf.p as number };
  const problem = scryptParamsProblem(params);
  if (problem !== null) throw corrupt(`kdf ${problem}`);
  if (!isSealed(doc.verifier)) throw corrupt("verifier is missing or malformed");
  if (!Array.isArray(doc.entries)) throw corrupt("entries must be an array");
  const ids = new Set<string>();
  doc.entries.forEach((entry, index) => {
    if (!isEntry(entry)) throw corrupt(`entry #${index} is malformed`);
    if (ids.has(entry.id)) throw corrupt(`id ${JSON.stringify(entry.id)} appears twice`);
    ids.add(entry.id);
  });
  return {
    version: FORMAT_VERSION,
    kdf: { name: "scrypt", ...params, salt: kdf.salt },
    verifier: doc.verifier,
    entries: doc.entries as FileEntry[],
  };
}
