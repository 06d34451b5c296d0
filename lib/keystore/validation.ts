/**
 * Checks ids, labels and payloads before anything is written, and derives the
 * masked hint. Every failure is an INVALID_SECRET naming the field; messages
 * describe what is wrong with a value without ever quoting it.
 */
import { createHash } from "node:crypto";
import { invalid } from "./errors";
import type { CexPayload, EvmPayload, PutSecretInput, Secret, SecretKind } from "./types";
import { SECRET_KINDS } from "./types";

/** Safe as a file key and as part of an AWS secret name. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const EXCHANGE_PATTERN = /^[a-z][a-z0-9_]{1,31}$/;
const PRIVATE_KEY_PATTERN = /^(0x)?[0-9a-fA-F]{64}$/;
const SECP256K1_ORDER = BigInt("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
// Multi-line secrets (PEM keys, e.g. Coinbase CDP) keep their line breaks and tabs.
const CONTROL_CHARS_BUT_WHITESPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

const CEX_FIELDS = new Set(["exchange", "apiKey", "secret", "password", "uid"]);
const EVM_FIELDS = new Set(["privateKey"]);
const FIELD_HINTS: Record<string, string> = {
  passphrase: " (the API passphrase goes in password, as in ccxt)",
  apiSecret: " (use secret)",
  key: " (use apiKey)",
};

export function validateId(value: unknown, field = "id"): string {
  if (typeof value !== "string") throw invalid(field, "must be a string");
  if (!ID_PATTERN.test(value)) {
    throw invalid(field, "must be 1-64 characters of letters, digits, '_', '.' or '-', starting with a letter or digit");
  }
  return value;
}

export function validateLabel(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalid("label", "must be a string");
  const label = value.trim();
  if (label.length === 0) return undefined;
  if (label.length > 100) throw invalid("label", "must be at most 100 characters");
  if (CONTROL_CHARS.test(label)) throw invalid("label", "must not contain control characters");
  return label;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function rejectUnknownFields(payload: Record<string, unknown>, allowed: Set<string>): void {
  for (const key of Object.keys(payload)) {
    if (!allowed.has(key)) {
      throw invalid(`payload.${key}`, `is not a known field; expected ${[...allowed].join(", ")}${FIELD_HINTS[key] ?? ""}`);
    }
  }
}

function requiredString(payload: Record<string, unknown>, name: string, maxLength: number): string {
  const value = payload[name];
  const field = `payload.${name}`;
  if (value === undefined || value === null) throw invalid(field, "is required");
  if (typeof value !== "string") throw invalid(field, "must be a string");
  if (value.trim().length === 0) throw invalid(field, "must not be empty");
  if (value.length > maxLength) throw invalid(field, `must be at most ${maxLength} characters`);
  return value;
}

function optionalString(payload: Record<string, unknown>, name: string, maxLength: number): string | undefined {
  if (payload[name] === undefined || payload[name] === null) return undefined;
  const value = requiredString(payload, name, maxLength);
  if (CONTROL_CHARS.test(value)) throw invalid(`payload.${name}`, "must not contain control characters");
  return value;
}

export function validateCexPayload(value: unknown): CexPayload {
  if (!isRecord(value)) throw invalid("payload", "must be an object");
  rejectUnknownFields(value, CEX_FIELDS);
  const exchange = requiredString(value, "exchange", 32);
  if (!EXCHANGE_PATTERN.test(exchange)) throw invalid("payload.exchange", "must be a ccxt exchange id such as binance or okx");
  const apiKey = requiredString(value, "apiKey", 512);
  if (!/^[\x21-\x7e]+$/.test(apiKey)) throw invalid("payload.apiKey", "must be printable ASCII without spaces");
  const secret = requiredString(value, "secret", 8192);
  if (CONTROL_CHARS_BUT_WHITESPACE.test(secret)) throw invalid("payload.secret", "must not contain control characters");
  const password = optionalString(value, "password", 256);
  const uid = optionalString(value, "uid", 256);
  const payload: CexPayload = { exchange, apiKey, secret };
  if (password !== undefined) payload.password = password;
  if (uid !== undefined) payload.uid = uid;
  return payload;
}

export function validateEvmPayload(value: unknown): EvmPayload {
  if (!isRecord(value)) throw invalid("payload", "must be an object");
  rejectUnknownFields(value, EVM_FIELDS);
  const raw = value.privateKey;
  if (raw === undefined || raw === null) throw invalid("payload.privateKey", "is required");
  if (typeof raw !== "string") throw invalid("payload.privateKey", "must be a string");
  if (!PRIVATE_KEY_PATTERN.test(raw)) throw invalid("payload.privateKey", "must be 0x followed by 64 hex characters");
  const privateKey = (raw.startsWith("0x") ? raw : `0x${raw}`).toLowerCase();
  const scalar = BigInt(privateKey);
  if (scalar === 0n || scalar >= SECP256K1_ORDER) throw invalid("payload.privateKey", "is not a valid secp256k1 private key");
  return { privateKey };
}

export function validateKind(value: unknown): SecretKind {
  if (typeof value !== "string" || !(SECRET_KINDS as readonly string[]).includes(value)) {
    throw invalid("kind", `must be one of ${SECRET_KINDS.join(", ")}`);
  }
  return value as SecretKind;
}

/** Validates a decrypted or submitted entry and returns it normalised. */
export function validateSecret(id: unknown, kind: unknown, payload: unknown): Secret {
  const validId = validateId(id);
  const validKind = validateKind(kind);
  return validKind === "cex"
    ? { id: validId, kind: "cex", payload: validateCexPayload(payload) }
    : { id: validId, kind: "evm", payload: validateEvmPayload(payload) };
}

export interface ValidPut {
  secret: Secret;
  label?: string;
  overwrite: boolean;
}

export function validatePut(input: unknown): ValidPut {
  if (!isRecord(input)) throw invalid("input", "must be an object");
  const secret = validateSecret(input.id, input.kind, input.payload);
  if (input.overwrite !== undefined && typeof input.overwrite !== "boolean") throw invalid("overwrite", "must be a boolean");
  const label = validateLabel(input.label);
  return { secret, overwrite: input.overwrite === true, ...(label === undefined ? {} : { label }) };
}

/**
 * The masked hint shown in listings. For an API key, its last 4 characters when
 * the key is long enough for that to give nothing useful away; for a private key,
 * a fingerprint, because no part of a private key should ever be displayed.
 */
export function hintFor(secret: Secret): string {
  if (secret.kind === "cex") {
    const key = secret.payload.apiKey;
    return key.length >= 12 ? `****${key.slice(-4)}` : "****";
  }
  const digest = createHash("sha256").update(Buffer.from(secret.payload.privateKey.slice(2), "hex")).digest("hex");
  return `fp:${digest.slice(0, 8)}`;
}

/** Public metadata of a put: what backends store in clear beside the encrypted payload. */
export function publicMetadata(secret: Secret, label?: string): { kind: SecretKind; label?: string; exchange?: string; hint: string } {
  return {
    kind: secret.kind,
    ...(label === undefined ? {} : { label }),
    ...(secret.kind === "cex" ? { exchange: secret.payload.exchange } : {}),
    hint: hintFor(secret),
  };
}

