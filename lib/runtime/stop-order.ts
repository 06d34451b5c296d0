/**
 * Traders stop before the venues they trade through.
 *
 * Moleculer stops a broker's services all at once. On a node that runs both the market maker
 * and the cex (the embedded default), a bot's last cancels then raced the cex's own stop: a
 * cancel that arrived after the cex had closed its database was done on the venue but never
 * written ("connection manager was closed"). This middleware stops the services that place,
 * cancel or settle through others first, on the broker's `stopping` hook, and waits for them;
 * Moleculer then stops the rest (the cex, the dex, the database owners) as before.
 *
 * The traders are set aside while Moleculer stops the rest (so each is stopped once) and put
 * back when the broker has stopped, so a broker started again starts them too.
 */
import type { Middleware, Service, ServiceBroker } from "moleculer";

/** Services whose stop still acts through the cex or the dex (cancels, in-flight executions). */
export const TRADING_SERVICES: readonly string[] = ["mm", "arbitrage", "liquidity"];

type Internals = { _stop(): Promise<void> };

export function stopOrderMiddleware(first: readonly string[] = TRADING_SERVICES): Middleware {
  let setAside: Service[] = [];
  return {
    name: "StopOrder",
    async stopping(broker: ServiceBroker) {
      const services = broker.services as Service[];
      setAside = services.filter((svc) => first.includes(svc.name));
      if (setAside.length === 0) return;
      for (const svc of setAside) services.splice(services.indexOf(svc), 1);
      await Promise.all(
        setAside.map((svc) => (svc as unknown as Internals)._stop().catch((err: Error) => broker.logger.error(`Unable to stop '${svc.fullName}' service.`, err))),
      );
    },
    stopped(broker: ServiceBroker) {
      (broker.services as Service[]).push(...setAside);
      setAside = [];
    },
  } as unknown as Middleware;
}
