/**
 * Action answers larger than one transporter message travel as a stream of their JSON text.
 *
 * An answer crosses the transporter as one message: NATS refuses one over its max_payload (1 MB
 * by default: "MAX_PAYLOAD_EXCEEDED", and the caller gets an error), RabbitMQ one over its
 * max_message_size (128 MiB, 16 MiB from 4.0). A stream is sent as one message per chunk. So an
 * action whose answer may be that large answers `jsonAnswer(ctx, value)`, or `jsonTextAnswer(ctx,
 * json)` for JSON it already holds as text (a stored report: passed on as it is, never parsed and
 * written again). Its callers see no difference:
 * - the gateway pipes the stream to the HTTP client with `$responseType` application/json: the
 *   very body the value would have had;
 * - any other caller gets the value: the JsonAnswers middleware (json-answers.ts) reads and
 *   parses the stream for it.
 *
 * Why so: a larger max_payload only moves the limit (NATS advises against messages over 8 MB, and
 * a stored report may be 32 MB), and a side channel (a shared store the gateway reads) would tie
 * the gateway to each service's storage. A stream is Moleculer's own way past the limit; reading
 * it back in a middleware keeps every caller as it was, and only the gateway, which can pass the
 * bytes through without parsing them, takes the stream.
 *
 * Chunks are strings of at most CHUNK_CHARS UTF-16 units, a surrogate pair never split. Not
 * Buffers: Moleculer's JSON serializer writes a Buffer as an array of numbers, up to 4 bytes per
 * byte (its default 256 KB chunk of JSON text could pass 1 MB), and a string as a JSON string, at
 * most 3 bytes per unit (a BMP character outside ASCII; an escaped quote takes 2): a chunk's
 * message stays under 400 KB.
 */
import { Readable } from "node:stream";
import type { Context } from "moleculer";

/** The gateway's Content-Type for JSON, a streamed answer's included; its mark on a streamed answer's meta. */
export const JSON_RESPONSE_TYPE = "application/json; charset=utf-8";

/** UTF-16 units per chunk; a JSON text up to this length is answered whole. */
export const CHUNK_CHARS = 128 * 1024;

/** The call option with which a caller (the gateway) takes a streamed JSON answer as the stream. */
export const PIPE_JSON_STREAMS = "pipeJsonStreams";

type Meta = { $responseType?: string };

function* chunksOf(json: string, size: number): Generator<string> {
  for (let start = 0; start < json.length; ) {
    let end = Math.min(start + size, json.length);
    const last = json.charCodeAt(end - 1);
    // A high surrogate ending the chunk: its low half goes with it into the next one.
    if (end < json.length && end - start > 1 && last >= 0xd800 && last <= 0xdbff) end--;
    yield json.slice(start, end);
    start = end;
  }
}

/** A readable stream of `json` in string chunks of at most `chunkChars` UTF-16 units. */
export function jsonStream(json: string, chunkChars = CHUNK_CHARS): Readable {
  // Not object mode (transit would mark the stream so, and the receiving side could not pipe it
  // to HTTP); the utf8 encoding keeps the pushed strings strings.
  return Readable.from(chunksOf(json, chunkChars), { objectMode: false, encoding: "utf8" });
}

/** Answers JSON text as a stream marked application/json (the gateway pipes it; other callers get it parsed). */
export function jsonTextAnswer(ctx: Context, json: string): Readable {
  (ctx.meta as Meta).$responseType = JSON_RESPONSE_TYPE;
  return jsonStream(json);
}

/**
 * `value` itself for a caller on this node (nothing crosses the transporter) or when its JSON fits
 * one chunk, else its JSON text as a stream. Not for a cached action: the cacher would keep the stream.
 */
export function jsonAnswer<T>(ctx: Context, value: T): T | Readable {
  if (ctx.nodeID === ctx.broker.nodeID) return value;
  const json = JSON.stringify(value);
  return json.length <= CHUNK_CHARS ? value : jsonTextAnswer(ctx, json);
}

/** Whether an answer is a JSON text stream, by the meta its action set. */
export function isJsonStream(answer: unknown, meta: unknown): answer is Readable {
  return answer instanceof Readable && (meta as Meta | undefined)?.$responseType === JSON_RESPONSE_TYPE;
}

/** The value of a JSON text stream. */
export async function readJsonStream<T = unknown>(stream: Readable): Promise<T> {
  stream.setEncoding("utf8");
  let text = "";
  for await (const chunk of stream) text += chunk as string;
  return JSON.parse(text) as T;
}
