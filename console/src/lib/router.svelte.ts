/** Hash routes (#/bots/demo-avellaneda): the gateway serves one page at /, and a reload keeps the page. */
export const PAGES = [
  { id: "overview", title: "Overview" },
  { id: "bots", title: "Bots" },
  { id: "orders", title: "Orders & fills" },
  { id: "arbitrage", title: "Arbitrage" },
  { id: "dex", title: "DEX" },
  { id: "alerts", title: "Alerts" },
  { id: "config", title: "Config" },
  { id: "backtests", title: "Backtests" },
  { id: "keys", title: "Keys", role: "admin" },
  { id: "users", title: "Users & tokens", role: "admin" },
] as const;

export type PageId = (typeof PAGES)[number]["id"];

export interface Route {
  page: PageId;
  arg: string | null;
}

export function parseHash(hash: string): Route {
  const [page, ...rest] = hash.replace(/^#\/?/, "").split("/");
  const known = PAGES.some((p) => p.id === page);
  return { page: known ? (page as PageId) : "overview", arg: known && rest.length > 0 ? decodeURIComponent(rest.join("/")) : null };
}

export const route = $state<Route>(parseHash(typeof location === "undefined" ? "" : location.hash));

if (typeof window !== "undefined") {
  window.addEventListener("hashchange", () => Object.assign(route, parseHash(location.hash)));
}

export function href(page: PageId, arg?: string): string {
  return `#/${page}${arg ? `/${encodeURIComponent(arg)}` : ""}`;
}
