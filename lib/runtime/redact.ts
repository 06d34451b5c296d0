/**
 * The one redactor for logs, error responses and event payloads. It knows the field names
 * that carry secrets (password, apiKey, privateKey, token, ..., matched case-insensitively
 * and ignoring `_`/`-`, also as a suffix: newPassword, x-api-key, telegramBotToken) and
 * replaces their values with "[redacted]" at any depth; in free text it hides
 * `name=value` / `"name": "value"` pairs, bearer credentials, JWTs, mmesh API tokens, URL
 * passwords and every secret value it has been told about (registerSecret) or has seen
 * under a secret name.
 */
import { maskUrl } from "./mask";

export const REDACTED = "[redacted]";

/** Normalized (lower case, letters and digits only) endings of secret-bearing names. */
const SECRET_SUFFIXES = [
  "password", "passwd", "passwordhash", "secret", "apikey", "privatekey", "token", "tokenhash", "passphrase",
  "mnemonic", "seed", "seedphrase", "masterkey", "accesskey", "authorization", "cookie", "twofa", "credentials",
];
const MAX_DEPTH = 8;
const MAX_KEYS = 200;
const MAX_ITEMS = 1000;
const MIN_SECRET_LENGTH = 8;
const MAX_KNOWN_SECRETS = 1000;

const knownSecrets = new Set<string>();

function normalize(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

const secretNameCache = new Map<string, boolean>();

/** Whether a field of this name carries a secret (its value is never shown). */
export function isSecretKey(name: string): boolean {
  let known = secretNameCache.get(name);
  if (known === undefined) {
    const n = normalize(name);
    known = SECRET_SUFFIXES.some((s) => n.endsWith(s));
    if (secretNameCache.size < 10_000) secretNameCache.set(name, known);
  }
  return known;
}

const EVM_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const ASSET_SYMBOL = /^[A-Za-z0-9.$_-]{1,11}$/;

/**
 * Public by construction even under a secret-looking name: an EVM address, and under the bare
 * name `token` (an ERC-20 in wallet/DEX payloads) an asset symbol such as USDC.
 */
function isPublicValue(key: string, value: unknown): boolean {
  if (typeof value !== "string") return false;
  return EVM_ADDRESS.test(value) || (key.toLowerCase() === "token" && ASSET_SYMBOL.test(value));
}

/** Whether the value of field `key` is hidden. */
function hides(key: string, value: unknown): boolean {
  return isSecretKey(key) && value != null && value !== "" && !isPublicValue(key, value);
}

/** In event payloads numbers and flags stay (a lease's fencing `token` is a number): payloads are data. */
function hidesInEvent(key: string, value: unknown): boolean {
  return hides(key, value) && typeof value !== "number" && typeof value !== "boolean" && typeof value !== "bigint";
}

/** Remembers a secret value so that it is hidden wherever it later appears in text. Short values are ignored (too many false hits). */
export function registerSecret(value: unknown): void {
  if (typeof value !== "string" || value.length < MIN_SECRET_LENGTH || knownSecrets.has(value)) return;
  // JWTs and API tokens are found by their shape: not kept (every request's bearer would fill the list).
  if (/^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(value) || /^mmt_[A-Za-z0-9_-]{8,}$/.test(value)) return;
  if (knownSecrets.size >= MAX_KNOWN_SECRETS) knownSecrets.delete(knownSecrets.values().next().value as string);
  knownSecrets.add(value);
}

/** Registers every string found under a secret name in `value` (deep, bounded). */
export function registerSecretsIn(value: unknown, depth = 0): void {
  if (depth > MAX_DEPTH || value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (const item of value.slice(0, MAX_ITEMS)) registerSecretsIn(item, depth + 1);
    return;
  }
  for (const [key, v] of Object.entries(value).slice(0, MAX_KEYS)) {
    if (hides(key, v)) {
      if (typeof v === "string") registerSecret(v);
      else registerSecretsIn(v, depth + 1);
    } else registerSecretsIn(v, depth + 1);
  }
}

const SECRET_WORD = "(?:password|passwd|secret|api[_-]?key|private[_-]?key|token|passphrase|mnemonic|seed|master[_-]?key|authorization|cookie)";
// name = value, name: value, "name": "value", name='value' (the name may carry a prefix: newPassword, x-api-key).
const PAIR = new RegExp(`((["']?)[A-Za-z0-9_.-]*?${SECRET_WORD}\\2\\s*[:=]\\s*)("(?:[^"\\\\]|\\\\.)*"|'(?:[^'\\\\]|\\\\.)*'|[^\\s,&;"'}\\])]+)`, "gi");
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi;
const BEARER_WORD = /bearer|basic/i;
const SECRET_WORD_RE = new RegExp(SECRET_WORD, "i");
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+/g;
const API_TOKEN = /\bmmt_[A-Za-z0-9_-]{8,}/g;
const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^\s:/@"']+:[^\s@/"']+@[^\s"']*/gi;

/** Hides secrets in free text: known values (plus `extra`), name/value pairs, bearer credentials, JWTs, API tokens, URL passwords. */
export function redactText(text: string, extra: readonly string[] = []): string {
  let out = text;
  for (const secret of extra) if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const secret of knownSecrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  // Each pattern runs only when a cheap test says it can match (PAIR scans quadratically).
  if (out.includes("://")) out = out.replace(URL_WITH_PASSWORD, (m) => maskUrl(m));
  if (out.includes("eyJ")) out = out.replace(JWT, REDACTED);
  if (out.includes("mmt_")) out = out.replace(API_TOKEN, REDACTED);
  if (BEARER_WORD.test(out)) out = out.replace(BEARER, `$1 ${REDACTED}`);
  if (!SECRET_WORD_RE.test(out)) return out;
  return out.replace(PAIR, (_m, head: string, _q: string, value: string) => {
    const quote = value[0] === '"' || value[0] === "'" ? value[0] : "";
    return `${head}${quote}${REDACTED}${quote}`;
  });
}

/**
 * What a validation error's entries quote of the input: every string `actual` (a value sent
 * as a string under any name may be a secret: a private key sent as `payload`), and
 * numbers too under a secret name. These are hidden from the error's message as well.
 */
function quotedActuals(data: unknown): string[] {
  if (!Array.isArray(data)) return [];
  const found: string[] = [];
  for (const entry of data.slice(0, MAX_ITEMS)) {
    if (!entry || typeof entry !== "object") continue;
    const { field, actual } = entry as { field?: unknown; actual?: unknown };
    collectStrings(actual, found, 0, isSecretField(field));
  }
  return found;
}

function isSecretField(field: unknown): boolean {
  return typeof field === "string" && isSecretKey(field.split(/[.[\]]/).filter(Boolean).pop() ?? "");
}

function collectStrings(value: unknown, into: string[], depth: number, numbers: boolean): void {
  if (typeof value === "string") into.push(value);
  else if (numbers && (typeof value === "number" || typeof value === "bigint")) into.push(String(value));
  else if (value && typeof value === "object" && depth < MAX_DEPTH) for (const v of Object.values(value).slice(0, MAX_KEYS)) collectStrings(v, into, depth + 1, numbers);
}

/** Validation-error entries keep `actual` only when it is a number, boolean or null under an ordinary name. */
function redactErrorData(data: unknown, extra: readonly string[], depth: number, seen: WeakSet<object>): unknown {
  if (!Array.isArray(data)) return walk(data, extra, depth, seen);
  return data.slice(0, MAX_ITEMS).map((entry) => {
    if (!entry || typeof entry !== "object" || Array.isArray(entry)) return walk(entry, extra, depth + 1, seen);
    const { field, actual } = entry as { field?: unknown; actual?: unknown };
    const copy = walk(entry, extra, depth + 1, seen) as Record<string, unknown>;
    if ("actual" in copy && (isSecretField(field) || (actual !== null && (typeof actual === "object" || typeof actual === "string")))) copy.actual = REDACTED;
    return copy;
  });
}

function redactError(err: Error, extra: readonly string[], depth: number, seen: WeakSet<object>): Error {
  const data = (err as { data?: unknown }).data;
  const secrets = [...extra, ...quotedActuals(data)];
  const copy = Object.create(Object.getPrototypeOf(err) as object) as Error;
  for (const prop of ["message", "stack"] as const) {
    if (typeof err[prop] === "string") Object.defineProperty(copy, prop, { value: redactText(err[prop], secrets), enumerable: false, writable: true, configurable: true });
  }
  for (const [key, value] of Object.entries(err).slice(0, MAX_KEYS)) {
    if (key === "data") (copy as unknown as Record<string, unknown>).data = redactErrorData(value, secrets, depth, seen);
    else (copy as unknown as Record<string, unknown>)[key] = hides(key, value) ? REDACTED : walk(value, secrets, depth + 1, seen);
  }
  const cause = (err as { cause?: unknown }).cause;
  if (cause !== undefined && !Object.prototype.propertyIsEnumerable.call(err, "cause")) {
    Object.defineProperty(copy, "cause", { value: walk(cause, secrets, depth + 1, seen), enumerable: false, writable: true, configurable: true });
  }
  return copy;
}

function walk(value: unknown, extra: readonly string[], depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === "string") return redactText(value, extra);
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) return "[Circular]";
  if (value instanceof Date || value instanceof RegExp) return value;
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.constructor.name} ${(value as ArrayBufferView).byteLength} bytes]`;
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? "[Array]" : "[Object]";
  seen.add(value);
  try {
    if (value instanceof Error) return redactError(value, extra, depth, seen);
    if (Array.isArray(value)) {
      const items = value.slice(0, MAX_ITEMS).map((v) => walk(v, extra, depth + 1, seen));
      if (value.length > MAX_ITEMS) items.push(`... ${value.length - MAX_ITEMS} more items`);
      return items;
    }
    if (value instanceof Map) {
      return new Map([...value].slice(0, MAX_ITEMS).map(([k, v]) => [k, typeof k === "string" && hides(k, v) ? REDACTED : walk(v, extra, depth + 1, seen)]));
    }
    if (value instanceof Set) return new Set([...value].slice(0, MAX_ITEMS).map((v) => walk(v, extra, depth + 1, seen)));
    const out: Record<string, unknown> = {};
    const keys = Object.keys(value);
    for (const key of keys.slice(0, MAX_KEYS)) {
      const v = (value as Record<string, unknown>)[key];
      if (hides(key, v)) {
        registerSecretsIn({ [key]: v });
        out[key] = REDACTED;
      } else out[key] = walk(v, extra, depth + 1, seen);
    }
    if (keys.length > MAX_KEYS) out["..."] = `${keys.length - MAX_KEYS} more keys`;
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * A copy of `value` safe to log or answer: secret-named fields "[redacted]" at any depth
 * (bounded; cycles become "[Circular]"), secrets hidden in strings, errors copied with
 * their message, stack and data redacted (a validation error on a secret field loses its
 * `actual`). Values seen under secret names are remembered (registerSecret).
 */
export function redact<T>(value: T, extra: readonly string[] = []): T {
  return walk(value, extra, 0, new WeakSet()) as T;
}

/** An error's message and data as a client may see them (lib/api/error-response.ts). */
export function redactErrorParts(message: string, data: unknown): { message: string; data: unknown } {
  const secrets = quotedActuals(data);
  return { message: redactText(message, secrets), data: redactErrorData(data, secrets, 0, new WeakSet()) };
}

/**
 * Event payloads: secret-named fields replaced, nothing else touched (no text scan: payloads
 * are data). Returns the same object when there is nothing to hide, and the paths it hid.
 */
export function redactSecretFields<T>(value: T): { value: T; hidden: string[] } {
  const hidden: string[] = [];
  if (!hasSecretField(value, 0)) return { value, hidden };
  return { value: strip(value, "", 0, hidden) as T, hidden };
}

/** The cheap check run on every event: no allocation, stops at the first secret field. */
function hasSecretField(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== "object" || depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === null || typeof item !== "object") continue;
      // Rows of primitives (book levels, candles) need no call per row.
      if (Array.isArray(item) && item.every((x) => x === null || typeof x !== "object")) continue;
      if (hasSecretField(item, depth + 1)) return true;
    }
    return false;
  }
  if (ArrayBuffer.isView(value)) return false;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const v = (value as Record<string, unknown>)[keys[i]];
    if (isSecretKey(keys[i]) ? hidesInEvent(keys[i], v) : v !== null && typeof v === "object" && hasSecretField(v, depth + 1)) return true;
  }
  return false;
}

function strip(value: unknown, path: string, depth: number, hidden: string[]): unknown {
  if (!hasSecretField(value, depth)) return value;
  if (Array.isArray(value)) return value.map((v, i) => strip(v, `${path}[${i}]`, depth + 1, hidden));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value as object)) {
    const v = (value as Record<string, unknown>)[key];
    const at = path ? `${path}.${key}` : key;
    if (hidesInEvent(key, v)) {
      hidden.push(at);
      out[key] = REDACTED;
    } else out[key] = strip(v, at, depth + 1, hidden);
  }
  return out;
}

/** Forgets every registered secret value (tests). */
export function clearKnownSecrets(): void {
  knownSecrets.clear();
}
