/**
 * Streamed JSON answers (lib/runtime/json-stream.ts) and the JsonAnswers middleware in the
 * broker's own configuration: chunks are strings within the size, a surrogate pair never split;
 * a broker caller gets the value back, the gateway's call option gets the stream with its
 * application/json mark, and the mark does not flow up into a calling action's meta. Over a
 * transporter: test/integration/large-answers.test.ts.
 */
import { Readable } from "node:stream";
import { ServiceBroker, type Context } from "moleculer";
import { createBrokerOptions } from "../../../moleculer.config";
import { CHUNK_CHARS, JSON_RESPONSE_TYPE, PIPE_JSON_STREAMS, jsonAnswer, jsonStream, jsonTextAnswer, readJsonStream } from "../../../lib/runtime/json-stream";
import { testEnv } from "../../support/env";

async function chunksOf(stream: Readable): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

describe("jsonStream", () => {
  it("cuts the text into string chunks of at most the size, whole again when joined", async () => {
    const json = JSON.stringify({ a: "x".repeat(25), b: [1, 2, 3] });
    const chunks = await chunksOf(jsonStream(json, 10));
    expect(chunks.every((c) => typeof c === "string" && c.length <= 10)).toBe(true);
    expect(chunks.length).toBe(Math.ceil(json.length / 10));
    expect(chunks.join("")).toBe(json);
  });

  it("never splits a surrogate pair, and keeps characters outside ASCII", async () => {
    // Each "𝄞" is two UTF-16 units, after the opening quote at odd offsets: one straddles the first boundary of 4.
    // "€" is one unit and 3 UTF-8 bytes.
    const json = JSON.stringify("𝄞𝄞𝄞𝄞𝄞€é");
    const chunks = (await chunksOf(jsonStream(json, 4))) as string[];
    expect(chunks.join("")).toBe(json);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(4);
      expect(chunk).toBe(Buffer.from(chunk, "utf8").toString("utf8")); // no lone surrogate (it would come back as U+FFFD)
    }
  });

  it("reads back to the value", async () => {
    const value = { text: "é𝄞".repeat(1000), list: Array.from({ length: 500 }, (_, i) => ({ i })) };
    expect(await readJsonStream(jsonStream(JSON.stringify(value), 100))).toEqual(value);
  });
});

describe("JsonAnswers middleware (one broker)", () => {
  const env = testEnv();
  const broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
  const big = { rows: Array.from({ length: 20_000 }, (_, i) => ({ i, name: `row ${i}`, text: "𝄞é" })) };
  const bigJson = JSON.stringify(big);
  broker.createService({
    name: "s",
    actions: {
      text: (ctx: Context) => jsonTextAnswer(ctx, bigJson),
      value: (ctx: Context) => jsonAnswer(ctx, big),
      async outer(ctx: Context) {
        const inner = await ctx.call<typeof big>("s.text");
        return { rows: inner.rows.length, responseType: (ctx.meta as { $responseType?: string }).$responseType ?? null };
      },
    },
  });

  beforeAll(() => broker.start());
  afterAll(async () => {
    await broker.stop();
    env.cleanup();
  });

  it("gives a broker caller the value of a streamed answer", async () => {
    expect(bigJson.length).toBeGreaterThan(CHUNK_CHARS);
    expect(await broker.call("s.text")).toEqual(big);
  });

  it("gives the stream, marked application/json, to a caller asking for it", async () => {
    const answer = broker.call("s.text", {}, { [PIPE_JSON_STREAMS]: true } as never) as Promise<unknown> & { ctx: Context };
    const stream = await answer;
    expect(stream).toBeInstanceOf(Readable);
    expect((answer.ctx.meta as { $responseType?: string }).$responseType).toBe(JSON_RESPONSE_TYPE);
    expect(await readJsonStream(stream as Readable)).toEqual(big);
  });

  it("does not let the mark flow up into the calling action's meta", async () => {
    const answer = broker.call("s.outer", {}, { [PIPE_JSON_STREAMS]: true } as never) as Promise<unknown> & { ctx: Context };
    expect(await answer).toEqual({ rows: big.rows.length, responseType: null });
    expect((answer.ctx.meta as { $responseType?: string }).$responseType).toBeUndefined();
  });

  it("answers the value itself to a caller on the same node, whatever its size", async () => {
    const answer = await broker.call("s.value", {}, { [PIPE_JSON_STREAMS]: true } as never);
    expect(answer).not.toBeInstanceOf(Readable);
    expect(answer).toEqual(big);
  });
});
