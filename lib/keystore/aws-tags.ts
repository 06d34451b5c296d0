/**
 * Public entry metadata kept in AWS Secrets Manager tags, so that listing never
 * reads a secret value. Tag values only allow letters, digits, spaces and
 * _ . : / = + - @, so anything else (the `*` of a hint, a label's punctuation)
 * is escaped quoted-printable style as =XX per UTF-8 byte.
 */
import type { Tag } from "@aws-sdk/client-secrets-manager";
import type { SecretKind, SecretSummary } from "./types";
import { SECRET_KINDS } from "./types";

export const TAG_KIND = "mmesh:kind";
export const TAG_HINT = "mmesh:hint";
export const TAG_LABEL = "mmesh:label";
export const TAG_EXCHANGE = "mmesh:exchange";
export const MANAGED_TAG_KEYS = [TAG_KIND, TAG_HINT, TAG_LABEL, TAG_EXCHANGE];

const TAG_SAFE = /[\p{L}\p{Z}\p{N}_.:/+\-@]/u;

export function encodeTagValue(value: string): string {
  let out = "";
  for (const char of value) {
    if (char !== "=" && TAG_SAFE.test(char)) out += char;
    else for (const byte of Buffer.from(char, "utf8")) out += `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

export function decodeTagValue(value: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; ) {
    const escaped = /^=([0-9A-F]{2})/.exec(value.slice(i, i + 3));
    if (escaped) {
      bytes.push(parseInt(escaped[1], 16));
      i += 3;
    } else {
      const char = String.fromCodePoint(value.codePointAt(i) as number);
      bytes.push(...Buffer.from(char, "utf8"));
      i += char.length;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

export interface TagMetadata {
  kind: SecretKind;
  hint: string;
  label?: string;
  exchange?: string;
}

export function metadataTags(meta: TagMetadata): Tag[] {
  const tags: Tag[] = [
    { Key: TAG_KIND, Value: meta.kind },
    { Key: TAG_HINT, Value: encodeTagValue(meta.hint) },
  ];
  if (meta.label !== undefined) tags.push({ Key: TAG_LABEL, Value: encodeTagValue(meta.label) });
  if (meta.exchange !== undefined) tags.push({ Key: TAG_EXCHANGE, Value: encodeTagValue(meta.exchange) });
  return tags;
}

/** The summary fields carried by tags, or null when the secret was not written by mmesh. */
export function metadataFromTags(tags: Tag[] | undefined): TagMetadata | null {
  const byKey = new Map((tags ?? []).map((t) => [t.Key, t.Value ?? ""]));
  const kind = byKey.get(TAG_KIND);
  const hint = byKey.get(TAG_HINT);
  if (!kind || !(SECRET_KINDS as readonly string[]).includes(kind) || hint === undefined) return null;
  const label = byKey.get(TAG_LABEL);
  const exchange = byKey.get(TAG_EXCHANGE);
  return {
    kind: kind as SecretKind,
    hint: decodeTagValue(hint),
    ...(label === undefined ? {} : { label: decodeTagValue(label) }),
    ...(exchange === undefined ? {} : { exchange: decodeTagValue(exchange) }),
  };
}

export function summaryFrom(id: string, meta: TagMetadata, createdAt: Date | undefined, updatedAt: Date | undefined): SecretSummary {
  const created = (createdAt ?? updatedAt ?? new Date()).toISOString();
  return {
    id,
    kind: meta.kind,
    ...(meta.label === undefined ? {} : { label: meta.label }),
    ...(meta.exchange === undefined ? {} : { exchange: meta.exchange }),
    hint: meta.hint,
    createdAt: created,
    updatedAt: updatedAt?.toISOString() ?? created,
  };
}
