/** Shapes shared by every keystore backend. */

export type SecretKind = "cex" | "evm";
export const SECRET_KINDS: readonly SecretKind[] = ["cex", "evm"];

/** Credentials for one ccxt exchange account; field names follow ccxt. */
export interface CexPayload {
  /** ccxt exchange id, e.g. "binance", or "paper". */
  exchange: string;
  apiKey: string;
  secret: string;
  /** The API passphrase (OKX, KuCoin, Coinbase...), named `password` as in ccxt. */
  password?: string;
  uid?: string;
}

export interface EvmPayload {
  /** 0x followed by 64 lowercase hex characters. */
  privateKey: string;
}

export interface PayloadByKind {
  cex: CexPayload;
  evm: EvmPayload;
}

/** What `list()` returns: public metadata only, never secret material. */
export interface SecretSummary {
  id: string;
  kind: SecretKind;
  label?: string;
  /** Set for kind "cex". */
  exchange?: string;
  /**
   * A masked hint for recognising the entry: `****wxyz` (last 4 characters of a
   * CEX API key) or `fp:1a2b3c4d` (a SHA-256 fingerprint of an EVM key, which
   * reveals no key material).
   */
  hint: string;
  createdAt: string;
  updatedAt: string;
}

/** A decrypted entry, returned by `get()` only. */
export type Secret = { [K in SecretKind]: { id: string; kind: K; payload: PayloadByKind[K] } }[SecretKind];

export type PutSecretInput = {
  [K in SecretKind]: {
    id: string;
    kind: K;
    payload: PayloadByKind[K];
    label?: string;
    /** Replace an existing entry with the same id; without it such a put fails with EXISTS. */
    overwrite?: boolean;
  };
}[SecretKind];

export interface Keystore {
  readonly backend: "file" | "aws";
  /** Ids and masked hints of every entry, sorted by id. */
  list(): Promise<SecretSummary[]>;
  /** The decrypted entry; NOT_FOUND if there is none. */
  get(id: string): Promise<Secret>;
  /** Validates, then creates (or with `overwrite` replaces) an entry. */
  put(input: PutSecretInput): Promise<SecretSummary>;
  /** Removes an entry; NOT_FOUND if there is none. */
  delete(id: string): Promise<void>;
  /**
   * Re-encrypts every entry under a new master key, all or nothing (file backend).
   * The AWS backend throws UNSUPPORTED: there, rotation is done in KMS.
   */
  changeMasterKey(newMasterKey: string): Promise<void>;
  /** Forgets the derived key. The instance is unusable afterwards. */
  close(): Promise<void>;
}
