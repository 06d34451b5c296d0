/**
 * HTTP's If-Match as the `expectedVersion` precondition of a versioned write (config documents):
 * `If-Match: "3"` (or W/"3", or 3) is expectedVersion 3 when the body does not give one. Only for
 * actions that take the param; the action's validator checks the value and names the field.
 */
export interface IfMatchRequest {
  headers: Record<string, string | string[] | undefined>;
  $params?: Record<string, unknown>;
  $action?: { params?: Record<string, unknown> };
}

export function applyIfMatch(req: IfMatchRequest): void {
  const header = req.headers["if-match"];
  if (typeof header !== "string" || !req.$params || !req.$action?.params?.expectedVersion) return;
  if (req.$params.expectedVersion !== undefined) return;
  req.$params.expectedVersion = header.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}
