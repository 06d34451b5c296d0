/** Which service each name in SERVICES starts, and a broker holding the chosen ones. */
import { ServiceBroker, type ServiceSchema } from "moleculer";
import { createBrokerOptions } from "../moleculer.config";
import type { RuntimeEnv, ServiceName } from "../lib/runtime/env";
import createApiService from "./api.service";
import createAuthService from "./auth.service";
import createCexService from "./cex.service";
import createCexPriceFeedService from "./cex-price-feed.service";
import createConfigService from "./config.service";
import createFeeService from "./fee.service";
import createKeysService from "./keys.service";
import createWalletService from "./wallet.service";
import createSubgraphService from "./subgraph.service";
import createNotificationService from "./notification.service";
import createAlertingService from "./alerting.service";
import createLiquidityService from "./liquidity.service";
import createDexService from "./dex.service";
import createDexPriceFeedService from "./dex-price-feed.service";
import createMonitoringService from "./monitoring.service";
import createDbMaintenanceService from "./db-maintenance.service";
import createArbitrageService from "./arbitrage.service";
import createMarketMakerService from "./market-maker.service";
import createBacktestService from "./backtest.service";

export const SERVICE_FACTORIES: Record<ServiceName, (env: RuntimeEnv) => ServiceSchema> = {
  api: createApiService,
  auth: createAuthService,
  config: createConfigService,
  keys: createKeysService,
  cex: createCexService,
  "cex-price-feed": createCexPriceFeedService,
  fee: createFeeService,
  wallet: createWalletService,
  subgraph: createSubgraphService,
  notification: createNotificationService,
  alerting: createAlertingService,
  liquidity: createLiquidityService,
  dex: createDexService,
  "dex-price-feed": createDexPriceFeedService,
  monitoring: createMonitoringService,
  "db-maintenance": createDbMaintenanceService,
  arbitrage: createArbitrageService,
  "market-maker": createMarketMakerService,
  backtest: createBacktestService,
};

export function createNode(env: RuntimeEnv, overrides: Partial<ConstructorParameters<typeof ServiceBroker>[0]> = {}): ServiceBroker {
  const broker = new ServiceBroker({ ...createBrokerOptions(env), ...overrides });
  for (const name of env.services) broker.createService(SERVICE_FACTORIES[name](env));
  return broker;
}
