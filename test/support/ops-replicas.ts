/**
 * Nodes for the tests that run ops services as replicas (two ops nodes, as `--scale ops=2` runs
 * them): one namespace over NATS, the Redis cacher, a temporary PostgreSQL database, the real
 * RabbitMQ durable bus and a fake Telegram API that the notification service talks to.
 */
import { ServiceBroker } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config";
import { deleteBusTopology } from "./bus-cleanup";
import { testEnv, uniqueName } from "./env";
import { startFakeTelegram, type FakeTelegram } from "./fake-telegram";
import { createTempDatabase, type TempDatabase } from "./postgres";
import { until } from "./until";

const NATS = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const REDIS = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const CHANNELS = ["alert.raised", "alert.resolved", "notification.requested"];

export interface OpsReplicas {
  db: TempDatabase;
  telegram: FakeTelegram;
  /** Every broker `node` made. */
  brokers: ServiceBroker[];
  /** A broker (not started, no services) on the shared namespace and servers, Telegram sending to `chat`. */
  node(id: string): { broker: ServiceBroker; env: ReturnType<typeof testEnv> };
  /** Stops every broker and removes the namespace's bus queues, the fake Telegram, the data dirs and the database. */
  stop(): Promise<void>;
}

export async function startOpsReplicas(prefix: string, chat: string): Promise<OpsReplicas> {
  const namespace = uniqueName(prefix);
  const envs: Array<ReturnType<typeof testEnv>> = [];
  const brokers: ServiceBroker[] = [];
  const db = await createTempDatabase();
  const telegram = await startFakeTelegram().catch(async (err: unknown) => {
    await db.drop();
    throw err;
  });
  return {
    db,
    telegram,
    brokers,
    node(id) {
      const env = testEnv({ NAMESPACE: namespace, NODE_ID: id, TRANSPORTER: NATS, CACHER: REDIS, DATABASE_URL: db.url, AMQP_URL, TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_URL: telegram.url, TELEGRAM_CHAT_IDS: chat });
      envs.push(env);
      const broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
      brokers.push(broker);
      return { broker, env };
    },
    async stop() {
      await Promise.all(brokers.map((b) => b.stop().catch(() => undefined)));
      await deleteBusTopology(AMQP_URL, namespace, CHANNELS, "notification").catch(() => undefined);
      await telegram.close();
      for (const env of envs) env.cleanup();
      await db.drop();
    },
  };
}

/** `until` with the replica tests' argument order and a 20 s default. */
export const waitFor = (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> => until(what, check, timeoutMs);
