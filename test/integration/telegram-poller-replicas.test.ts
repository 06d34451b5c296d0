/**
 * Telegram command polling with two notification replicas (two ops nodes, as `--scale ops=2`
 * runs them) over NATS, with the `telegram-poller` lease in PostgreSQL and the answered-once
 * claims in Redis, against the fake Telegram API (which, as Telegram does, ends a getUpdates
 * with 409 Conflict when a second poller asks, and forgets updates below a confirmed offset):
 * only one replica polls, every command is answered once, and when the polling replica stops
 * the other takes over and answers what comes next, once.
 */
import type { ServiceBroker } from "moleculer";
import createNotificationService from "../../services/notification.service";
import type { FakeTelegram } from "../support/fake-telegram";
import { startOpsReplicas, waitFor, type OpsReplicas } from "../support/ops-replicas";

jest.setTimeout(60_000);

const CHAT = "7002";
const LEASE_TTL_MS = 1_500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Telegram command polling with two notification replicas", () => {
  let mesh: OpsReplicas;
  let telegram: FakeTelegram;
  let core: ServiceBroker;
  const ops: ServiceBroker[] = [];

  /** Which ops replicas poll now, by their own notification.status. */
  const pollers = async () => {
    const answers = await Promise.all(
      ops.filter((b) => b.started).map(async (b) => ({ id: b.nodeID, polling: (await core.call<{ channels: { telegram: { polling: boolean } } }, object>("notification.status", {}, { nodeID: b.nodeID })).channels.telegram.polling })),
    );
    return answers.filter((a) => a.polling).map((a) => a.id);
  };
  const answers = () => telegram.sentTo(CHAT).filter((m) => m.text.startsWith("mmesh bot commands")).length;

  beforeAll(async () => {
    mesh = await startOpsReplicas("tgpoll", CHAT);
    telegram = mesh.telegram;
    core = mesh.node("core").broker;
    for (const id of ["ops-a", "ops-b"]) {
      const { broker, env } = mesh.node(id);
      broker.createService(createNotificationService(env, { pollTimeoutSeconds: 1, pollErrorDelayMs: 200, pollLeaseTtlMs: LEASE_TTL_MS }));
      ops.push(broker);
    }
    await Promise.all(mesh.brokers.map((b) => b.start()));
    await core.waitForServices(["notification"], 20_000);
    await waitFor(async () => ops.every((b) => core.registry.nodes.get(b.nodeID)?.available === true), "both ops nodes discovered");
  });

  afterAll(async () => {
    await mesh?.stop();
  });

  it("polls on one replica, answers each command once, and fails over when that replica stops", async () => {
    await waitFor(async () => (await pollers()).length === 1, "one replica polling");
    const [holder] = await pollers();

    // Several commands, one at a time and in a burst: each answered exactly once.
    telegram.script(CHAT, "/help");
    await waitFor(() => answers() === 1, "the first answer");
    for (let i = 0; i < 4; i++) telegram.script(CHAT, "/help");
    await waitFor(() => answers() >= 5, "five answers");
    // Two long-poll rounds more: a second poller would have answered them again by now.
    await sleep(2_500);
    expect(answers()).toBe(5);
    expect(await pollers()).toEqual([holder]);
    expect(telegram.conflicts).toBe(0);

    // The holder stops: the other replica takes the lease and answers what comes next, once.
    const stopping = ops.find((b) => b.nodeID === holder)!;
    await stopping.stop();
    const other = ops.find((b) => b !== stopping)!;
    await waitFor(async () => (await pollers()).includes(other.nodeID), "the other replica polling", LEASE_TTL_MS * 4);
    for (let i = 0; i < 3; i++) telegram.script(CHAT, "/help");
    await waitFor(() => answers() >= 8, "three answers after the failover");
    await sleep(2_500);
    expect(answers()).toBe(8);
    expect(telegram.conflicts).toBe(0);
  });
});
