/**
 * Binance SIGNED endpoint check: X-MBX-APIKEY names the account, `signature` is
 * HMAC-SHA256(secret, totalParams) in hex, where totalParams is the query string
 * concatenated with the request body (signature parameter removed), and `timestamp` must
 * fall inside `recvWindow` (default 5000 ms, at most 1000 ms ahead of the server clock).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { Errors } from "./errors";
import type { Account, Engine } from "./engine";

export interface RawRequest {
  apiKey: string | undefined;
  /** Query string without the leading "?". */
  rawQuery: string;
  rawBody: string;
  params: Record<string, string>;
}

function stripSignature(raw: string): { rest: string; signature: string | undefined } {
  if (raw === "") return { rest: "", signature: undefined };
  let signature: string | undefined;
  const kept: string[] = [];
  for (const part of raw.split("&")) {
    if (part.startsWith("signature=")) signature = decodeURIComponent(part.slice("signature=".length));
    else kept.push(part);
  }
  return { rest: kept.join("&"), signature };
}

export function sign(secret: string, payload: string): string {
  return createHmac("sha256", secret).update(payload).digest("hex");
}

/** The account whose API key is on the request (API_KEY security: no signature needed). */
export function checkApiKey(engine: Engine, req: RawRequest): Account {
  if (req.apiKey === undefined || req.apiKey.trim() === "") throw Errors.apiKeyFormat();
  const account = engine.account(req.apiKey);
  if (!account) throw Errors.invalidApiKey();
  return account;
}

export function checkSigned(engine: Engine, req: RawRequest): Account {
  const account = checkApiKey(engine, req);
  const q = stripSignature(req.rawQuery);
  const b = stripSignature(req.rawBody);
  const signature = q.signature ?? b.signature;
  if (signature === undefined || signature === "") throw Errors.mandatory("signature");
  const timestampRaw = req.params.timestamp;
  if (timestampRaw === undefined || !/^\d+$/.test(timestampRaw)) throw Errors.mandatory("timestamp");
  const timestamp = Number(timestampRaw);
  const recvWindow = req.params.recvWindow !== undefined ? Number(req.params.recvWindow) : 5000;
  if (!(recvWindow > 0) || recvWindow > 60000) {
    throw Errors.mandatory("recvWindow");
  }
  const expected = sign(account.secret, q.rest + b.rest);
  const given = Buffer.from(signature.toLowerCase());
  const want = Buffer.from(expected);
  if (given.length !== want.length || !timingSafeEqual(given, want)) throw Errors.badSignature();
  const serverTime = engine.now();
  if (timestamp > serverTime + 1000) throw Errors.ahead();
  if (serverTime - timestamp > recvWindow) throw Errors.recvWindow();
  return account;
}
