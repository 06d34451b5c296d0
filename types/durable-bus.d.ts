/**
 * Typing of the durable bus (mixins/durable-bus.ts): `channels` on service schemas,
 * `broker.sendToChannel` and `broker.durableBus`.
 */
import "moleculer";
import type { ChannelDefinition, ChannelHandler, SendToChannelOptions } from "../lib/durable-bus/types";
import type { DurableBusApi } from "../mixins/durable-bus";

declare module "moleculer" {
  interface ServiceBroker {
    /**
     * Publishes to a durable channel. Resolves once RabbitMQ confirmed the message
     * (memory mode: once it is queued for every group). Rejects with CHANNEL_UNROUTABLE
     * when no consumer group is bound to the channel, DURABLE_BUS_UNAVAILABLE when not
     * connected or not confirmed within publishTimeout.
     */
    sendToChannel<P = unknown>(channel: string, payload: P, opts?: SendToChannelOptions): Promise<void>;
    /** Mode, prefix, queue names, memory dead letters and `depth(channel, group)` (messages waiting in a group queue). */
    durableBus: DurableBusApi;
  }

  namespace Service {
    interface ServiceSchema<TSettings, TMethods, TVars, TThis> {
      /** Durable channel consumers: `{ "order.filled": { group, handler(payload, raw) } }` or a bare handler. */
      channels?: Record<string, ChannelDefinition<any, TThis> | ChannelHandler<any, TThis>>;
    }
  }
}
