/** The JSON-serialisable description of a Uniswap deployment on a chain. */
export interface TokenInfo {
  symbol: string;
  name: string;
  address: string;
  decimals: number;
}

export interface PoolInfo {
  kind: "v2" | "v3";
  address: string;
  /** Token symbols ordered as the pool orders them (token0 < token1 by address). */
  token0: string;
  token1: string;
  /** V3 fee in hundredths of a bip (500 = 0.05 %); 3000 for V2 (0.3 %). */
  fee: number;
  /** Seeded price of token0 in token1, decimal string. */
  price: string;
}

export interface AccountInfo {
  address: string;
  label: string;
}

export interface Deployment {
  chainId: number;
  contracts: {
    weth9: string;
    v2Factory: string;
    v2Router02: string;
    v3Factory: string;
    swapRouter: string;
    quoterV2: string;
    positionManager: string;
  };
  tokens: Record<string, TokenInfo>;
  pools: PoolInfo[];
  /** Funded accounts (addresses only; the local dev keys are in LocalChain.devKeys). */
  accounts: AccountInfo[];
  v2PairInitCodeHash: string;
  deployedAtBlock: number;
}

export function isDeployment(x: unknown): x is Deployment {
  const d = x as Deployment;
  return (
    typeof d === "object" && d !== null && Number.isInteger(d.chainId) && typeof d.contracts === "object" && d.contracts !== null &&
    ["weth9", "v2Factory", "v2Router02", "v3Factory", "swapRouter", "quoterV2", "positionManager"].every((k) => typeof (d.contracts as unknown as Record<string, unknown>)[k] === "string") &&
    typeof d.tokens === "object" && Array.isArray(d.pools) && Array.isArray(d.accounts)
  );
}
