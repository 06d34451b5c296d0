/** ccxt's exchange ids, without loading anything else of mmesh (the config service validates venues with it). */
export type CcxtModule = Record<string, unknown> & { exchanges: string[] };

export function loadCcxt(): CcxtModule {
  // Loaded only for live venues: the paper path never pays for ccxt's 100+ exchange classes.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require("ccxt") as CcxtModule & { default?: CcxtModule };
  return mod.exchanges ? mod : (mod.default as CcxtModule);
}

export function isCcxtExchange(id: string): boolean {
  return loadCcxt().exchanges.includes(id);
}
