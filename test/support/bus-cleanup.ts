/** Deletes the RabbitMQ exchanges and queues a test's durable-bus group created. */
import amqplib from "amqplib";

export async function deleteBusTopology(url: string, prefix: string, channels: readonly string[], group: string): Promise<void> {
  const conn = await amqplib.connect(url);
  try {
    const ch = await conn.createChannel();
    for (const c of channels) {
      await ch.deleteQueue(`${prefix}.${c}.${group}`);
      await ch.deleteQueue(`${prefix}.${c}.${group}.DLQ`);
      await ch.deleteExchange(`${prefix}.${c}`);
    }
    await ch.close();
  } finally {
    await conn.close();
  }
}
