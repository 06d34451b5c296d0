/**
 * A per-process timeline of the steps a message takes through the transport, for finding where
 * tick→order time goes (bench/trace/analyze.ts reads it). Loaded into every child of a bench:
 *   BENCH_CHILD_NODE_OPTIONS="--require $PWD/dist/bench/trace/preload.js" node dist/bench/mesh-tick-to-order/...
 * It wraps, by monkeypatching, nats.js's socket reads and parser and Moleculer's transit
 * (internal APIs of nats 2.x and Moleculer 0.15: a profiling aid, never loaded by mmesh itself),
 * keeps fractional epoch-ms stamps in memory and writes them at exit to
 * <tmpdir>/mmesh-trace/<pid>-<SERVICES>.json. The stamps cost about a microsecond each.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

type Stamp = [step: string, at: number, detail?: Record<string, number>];

const stamps: Stamp[] = [];
const now = (): number => performance.timeOrigin + performance.now();
const NATS_PORT = 4222;

function wrap(proto: Record<string, unknown>, method: string, step: (args: unknown[]) => string | null): void {
  const original = proto[method] as (...args: unknown[]) => unknown;
  proto[method] = function (this: unknown, ...args: unknown[]) {
    const name = step(args);
    if (name) stamps.push([name, now()]);
    return original.apply(this, args);
  };
}

const emit = net.Socket.prototype.emit as (this: net.Socket, event: string | symbol, ...args: unknown[]) => boolean;
net.Socket.prototype.emit = function (this: net.Socket, event: string | symbol, ...args: unknown[]) {
  if (event === "data" && this.remotePort === NATS_PORT) stamps.push(["data", now()]);
  return emit.apply(this, [event, ...args]);
} as typeof net.Socket.prototype.emit;

// By file path: Moleculer's package exports only its entry point (index.js at the package root, as nats's).
const inPackage = (pkg: string, file: string) => path.join(path.dirname(require.resolve(pkg)), file);
/* eslint-disable @typescript-eslint/no-require-imports */
const parser = require(inPackage("nats", "lib/nats-base-client/parser.js")) as { Parser: { prototype: Record<string, unknown> } };
const transit = require(inPackage("moleculer", "src/transit.js")) as { prototype: Record<string, unknown> };
/* eslint-enable @typescript-eslint/no-require-imports */
wrap(parser.Parser.prototype, "parse", () => "nats parse");
for (const handler of ["eventHandler", "requestHandler", "responseHandler"]) wrap(transit.prototype, handler, () => handler);
wrap(transit.prototype, "messageHandler", () => "moleculer message");
const publish = transit.prototype.publish as (packet: { type: string; payload?: { event?: string; data?: Record<string, number> } }) => unknown;
transit.prototype.publish = function (this: unknown, packet: { type: string; payload?: { event?: string; data?: Record<string, number> } }) {
  const at = now();
  if (packet.payload?.event === "mm.quote.placed" && packet.payload.data) {
    const { tickReceivedAt, venueAckAt, orderAckAt } = packet.payload.data;
    stamps.push(["quote", at, { tickReceivedAt, venueAckAt, orderAckAt }]);
  } else {
    stamps.push([`publish ${packet.type}`, at]);
  }
  return publish.call(this, packet);
};

process.on("exit", () => {
  const dir = path.join(os.tmpdir(), "mmesh-trace");
  fs.mkdirSync(dir, { recursive: true });
  const services = (process.env.SERVICES ?? "all").replace(/[^a-z,-]/g, "");
  fs.writeFileSync(path.join(dir, `${process.pid}-${services}.json`), JSON.stringify(stamps));
});
