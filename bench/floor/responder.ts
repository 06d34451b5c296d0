/**
 * The answering side of the floor benchmark, in its own process: a bare NATS responder on
 * `<subject>` and a bare ServiceBroker (NATS transporter) with one trivial action
 * `floor.echo`. Prints "ready" when both are up. Args: <namespace> <subject>.
 */
import { ServiceBroker } from "moleculer";
import { connect } from "nats";
import { NATS_URL } from "./support";

async function main(): Promise<void> {
  const [namespace, subject] = process.argv.slice(2);
  const nc = await connect({ servers: NATS_URL });
  nc.subscribe(subject, { callback: (_err, m) => void m.respond(m.data) });
  const broker = new ServiceBroker({ namespace, nodeID: `${namespace}-responder`, transporter: NATS_URL as "NATS", logger: false });
  broker.createService({ name: "floor", actions: { echo: (ctx) => ctx.params } });
  await broker.start();
  console.log("ready");
  const stop = async () => {
    await broker.stop();
    await nc.drain();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop());
  process.once("SIGINT", () => void stop());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
