/** Binance error answers: `{ code, msg }` with the HTTP status Binance uses. */

export class BinanceError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    msg: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(msg);
    this.name = "BinanceError";
  }

  toJSON(): { code: number; msg: string } {
    return { code: this.code, msg: this.message };
  }
}

export const Errors = {
  mandatory: (param: string) =>
    new BinanceError(400, -1102, `Mandatory parameter '${param}' was not sent, was empty/null, or malformed.`),
  illegal: (param: string) =>
    new BinanceError(400, -1100, `Illegal characters found in parameter '${param}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`),
  notRequired: (param: string) => new BinanceError(400, -1106, `Parameter '${param}' sent when not required.`),
  badCombination: () => new BinanceError(400, -1128, "Combination of optional parameters invalid."),
  lookupTooBig: (hours: number) => new BinanceError(400, -1127, `More than ${hours} hours between startTime and endTime.`),
  invalidSymbol: () => new BinanceError(400, -1121, "Invalid symbol."),
  invalidSide: () => new BinanceError(400, -1117, "Invalid side."),
  invalidOrderType: () => new BinanceError(400, -1116, "Invalid orderType."),
  invalidTif: () => new BinanceError(400, -1115, "Invalid timeInForce."),
  unsupportedCombination: () => new BinanceError(400, -1014, "Unsupported order combination."),
  filter: (name: string) => new BinanceError(400, -1013, `Filter failure: ${name}`),
  marketClosed: () => new BinanceError(400, -1013, "Market is closed."),
  duplicateOrder: () => new BinanceError(400, -2010, "Duplicate order sent."),
  insufficientBalance: () => new BinanceError(400, -2010, "Account has insufficient balance for requested action."),
  wouldTake: () => new BinanceError(400, -2010, "Order would immediately match and take."),
  cannotTrade: () => new BinanceError(400, -2010, "This account may not place or cancel orders."),
  unknownOrder: () => new BinanceError(400, -2011, "Unknown order sent."),
  orderDoesNotExist: () => new BinanceError(400, -2013, "Order does not exist."),
  apiKeyFormat: () => new BinanceError(401, -2014, "API-key format invalid."),
  invalidApiKey: () => new BinanceError(401, -2015, "Invalid API-key, IP, or permissions for action."),
  badSignature: () => new BinanceError(400, -1022, "Signature for this request is not valid."),
  recvWindow: () => new BinanceError(400, -1021, "Timestamp for this request is outside of the recvWindow."),
  ahead: () => new BinanceError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  tooManyRequests: (retryAfter: number) =>
    new BinanceError(
      429,
      -1003,
      "Too many requests; current limit of IP(127.0.0.1) is 6000 requests per minute. Please use the websocket for live updates to avoid polling the API.",
      { "Retry-After": String(retryAfter) },
    ),
};

/** The body Binance sends with a status, for fault injection without an explicit body. */
export function defaultFaultBody(status: number, bannedUntil: number): unknown {
  if (status === 429) return Errors.tooManyRequests(1).toJSON();
  if (status === 418) {
    return {
      code: -1003,
      msg: `Way too much request weight used; IP banned until ${bannedUntil}. Please use WebSocket Streams for live updates to avoid bans.`,
    };
  }
  // 5xx from Binance's edge are not Binance JSON; ccxt then classifies by HTTP status alone.
  return undefined;
}
