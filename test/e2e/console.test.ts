/**
 * The operator console end to end: `npm start`'s built process on the embedded default (demo bot on the
 * paper market), driven in headless Debian chromium. Needs `npm run build` (npm test runs it first).
 * Each page's screenshot goes to test-artifacts/console/ (gitignored).
 */
import fs from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { artifactsDir, launchChromium } from "../support/browser";
import { startMmesh, type MmeshProcess } from "../support/mmesh-process";
import { http } from "../support/http";

const BOT = "demo-avellaneda";
type Status = { killSwitch: { engaged: boolean }; bots: Array<{ name: string; state: string; live?: { liveOrders: unknown[] } }> };

describe("operator console in chromium", () => {
  let mmesh: MmeshProcess;
  let browser: Browser;
  let adminToken: string;
  const shots = artifactsDir("console");
  const pageErrors: string[] = [];

  const api = async <T = any>(method: string, route: string, body?: unknown, token = adminToken) => http<T>(mmesh.base, method, `/api/v1${route}`, { token, body });
  const status = async () => (await api<Status>("GET", "/mm/status")).body;
  const demo = async () => (await status()).bots.find((b) => b.name === BOT);

  async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn().catch(() => undefined);
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function signIn(username: string, password: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.on("pageerror", (err) => pageErrors.push(`${username}: ${err.message}`));
    await page.goto(mmesh.base + "/");
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("role").waitFor();
    // Controls follow the roles the OpenAPI document lists: wait until they are known.
    await page.locator('nav[data-perms="loaded"]').waitFor();
    return page;
  }

  beforeAll(async () => {
    mmesh = await startMmesh();
    browser = await launchChromium();
    adminToken = (await http(mmesh.base, "POST", "/api/v1/auth/login", { body: { username: "admin", password: mmesh.password } })).body.accessToken;
    // The demo bot quotes before the pages are opened.
    await until("the demo bot quoting", async () => ((await demo())?.live?.liveOrders.length ?? 0) > 0, 30_000);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    expect(await mmesh?.stop()).toBe(0);
  }, 30_000);

  it("is served at / offline: index revalidated, hashed assets immutable, nothing from another origin", async () => {
    const index = await fetch(mmesh.base + "/", { headers: { "accept-encoding": "gzip" } });
    expect(index.status).toBe(200);
    expect(index.headers.get("cache-control")).toBe("no-cache");
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];
    expect(html).not.toMatch(/https?:\/\//);
    const js = await fetch(mmesh.base + asset);
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(js.headers.get("content-type")).toContain("javascript");
    const again = await fetch(mmesh.base + "/", { headers: { "if-none-match": index.headers.get("etag")! } });
    expect(again.status).toBe(304);
  });

  it("logs in with the printed password; the demo bot appears and its figures change without a reload", async () => {
    const page = await signIn("admin", mmesh.password);
    await page.screenshot({ path: path.join(shots, "overview.png"), fullPage: true });
    await page.locator('a[data-page="bots"]').click();
    const row = page.locator(`tr[data-bot="${BOT}"]`);
    await row.waitFor();
    await page.screenshot({ path: path.join(shots, "bots.png"), fullPage: true });
    await row.getByRole("link", { name: BOT }).click();
    const bid = page.getByTestId("quote-bid");
    await until("a live quote", async () => (await bid.textContent())?.match(/\d/));
    const first = { bid: await bid.textContent(), pnl: await page.getByTestId("pnl-total").textContent(), url: page.url() };
    // New quotes arrive over the live stream; the page is never reloaded.
    const navigations: string[] = [];
    page.on("framenavigated", (f) => navigations.push(f.url()));
    await until("the bid or PnL to change", async () => (await bid.textContent()) !== first.bid || (await page.getByTestId("pnl-total").textContent()) !== first.pnl);
    expect(navigations).toEqual([]);
    expect(page.url()).toBe(first.url);
    await expect(page.getByTestId("live-status").textContent()).resolves.toContain("live");
    await page.screenshot({ path: path.join(shots, "bot.png"), fullPage: true });
    await page.context().close();
  }, 60_000);

  it("pause changes the state on the page and in mm.status; resume brings it back", async () => {
    const page = await signIn("admin", mmesh.password);
    await page.goto(`${mmesh.base}/#/bots/${BOT}`);
    const controls = page.getByTestId("bot-controls");
    await controls.getByRole("button", { name: "Pause" }).click();
    await page.getByRole("button", { name: "Pause bot" }).click();
    await page.locator("h1").getByTestId("state").filter({ hasText: "paused" }).waitFor({ timeout: 15_000 });
    expect((await demo())?.state).toBe("paused");
    await controls.getByRole("button", { name: "Resume" }).click();
    await page.locator("h1").getByTestId("state").filter({ hasText: "running" }).waitFor({ timeout: 20_000 });
    expect((await demo())?.state).toBe("running");
    await page.context().close();
  }, 60_000);

  it("shows the config service's error on the field of an invalid parameter and writes nothing; a valid one is saved, diffed and rolled back", async () => {
    const page = await signIn("admin", mmesh.password);
    await page.goto(`${mmesh.base}/#/bots/${BOT}`);
    const field = page.locator('label[data-field="orderAmount"]');
    await field.locator("input").fill("-1");
    await page.getByRole("button", { name: "Save parameters" }).click();
    const error = field.getByTestId("field-error");
    await error.waitFor();
    expect(await error.textContent()).toContain("orderAmount");
    expect(await field.locator("input").getAttribute("aria-invalid")).toBe("true");
    expect((await api("GET", `/config/strategies/${BOT}`)).body.version).toBe(1);
    await page.screenshot({ path: path.join(shots, "bot-invalid-parameter.png"), fullPage: true });

    // A valid value is saved as version 2; the config page shows the diff and rolls back to version 1 (as version 3).
    await field.locator("input").fill("0.003");
    await page.getByRole("button", { name: "Save parameters" }).click();
    await page.getByRole("status").filter({ hasText: "Saved as version 2" }).waitFor();
    await page.goto(`${mmesh.base}/#/config/strategies/${BOT}`);
    const diff = page.getByTestId("diff");
    await diff.filter({ hasText: /\+\s+"orderAmount": "0\.003"/ }).waitFor();
    expect(await diff.textContent()).toMatch(/-\s+"orderAmount": "0\.002"/);
    await page.getByTestId("history").locator("tr", { hasText: "v1" }).getByRole("button", { name: "Roll back" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.getByRole("status").filter({ hasText: "Rolled back: now v3" }).waitFor();
    expect((await api("GET", `/config/strategies/${BOT}`)).body).toMatchObject({ version: 3, body: { params: { orderAmount: "0.002" } } });
    await page.screenshot({ path: path.join(shots, "config-rollback.png"), fullPage: true });
    await page.context().close();
  }, 60_000);

  it("shows a viewer no control, and the server refuses the viewer anyway", async () => {
    expect((await api("POST", "/auth/users", { username: "vic", password: "viewer-password-1", role: "viewer" })).status).toBe(200);
    const page = await signIn("vic", "viewer-password-1");
    expect(await page.getByTestId("role").textContent()).toBe("viewer");
    expect(await page.locator('a[data-page="users"], a[data-page="keys"]').count()).toBe(0);
    await page.goto(`${mmesh.base}/#/bots`);
    await page.locator(`tr[data-bot="${BOT}"]`).waitFor();
    await page.goto(`${mmesh.base}/#/bots/${BOT}`);
    await page.getByTestId("quote-bid").waitFor();
    await page.locator('label[data-field="orderAmount"]').waitFor();
    // Each page once its data has arrived (the controls an admin sees come with it).
    const ready: Array<[string, string]> = [
      ["#/bots", `tr[data-bot="${BOT}"]`],
      [`#/bots/${BOT}`, 'label[data-field="orderAmount"]'],
      ["#/config/strategies/demo-avellaneda", '[data-testid="history"] tbody tr'],
      ["#/alerts", '[data-testid="alert-history"] tbody tr'],
      ["#/arbitrage", "main table tbody tr"],
      ["#/overview", '[data-testid="kill-switch"]'],
      ["#/backtests", '[data-testid="backtest-runs"]'],
    ];
    for (const [route, marker] of ready) {
      await page.goto(`${mmesh.base}/${route}`);
      await page.locator(marker).first().waitFor();
      await page.waitForTimeout(500);
      expect(await page.locator("main button").count()).toBe(0);
      expect(await page.locator("main input:not([disabled]):not([type=file]), main textarea, main select[aria-label^='Role']").count()).toBe(0);
    }
    await page.screenshot({ path: path.join(shots, "viewer-overview.png"), fullPage: true });
    const viewerToken = (await http(mmesh.base, "POST", "/api/v1/auth/login", { body: { username: "vic", password: "viewer-password-1" } })).body.accessToken;
    expect((await api("POST", `/mm/bots/${BOT}/pause`, {}, viewerToken)).status).toBe(403);
    expect((await api("POST", "/mm/kill-switch", {}, viewerToken)).status).toBe(403);
    await page.context().close();
  }, 60_000);

  it("renders every page (screenshots in test-artifacts/console)", async () => {
    const page = await signIn("admin", mmesh.password);
    for (const route of ["orders", "arbitrage", "dex", "alerts", "config/strategies/demo-avellaneda", "backtests", "keys", "users"]) {
      await page.goto(`${mmesh.base}/#/${route}`);
      await page.locator("main h1").first().waitFor();
      await page.waitForTimeout(1000);
      await page.screenshot({ path: path.join(shots, `${route.split("/")[0]}.png`), fullPage: true });
      // Every page's calls answered: no error shown.
      expect({ route, errors: await page.locator("main .error").allTextContents() }).toEqual({ route, errors: [] });
    }
    await page.context().close();
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it("creates an API token shown once, then only its hint", async () => {
    const page = await signIn("admin", mmesh.password);
    await page.goto(`${mmesh.base}/#/users`);
    const form = page.locator("form", { has: page.getByRole("button", { name: "Create token" }) });
    await form.getByLabel("Name").fill("grafana");
    await form.getByRole("button", { name: "Create token" }).click();
    const token = (await page.getByTestId("new-token").textContent())!;
    expect(token).toMatch(/^mmt_/);
    await page.locator("tr", { hasText: "grafana" }).waitFor();
    expect((await http(mmesh.base, "GET", "/api/v1/auth/me", { token })).body).toMatchObject({ username: "admin", role: "viewer", via: "api-token" });
    await page.reload();
    await page.locator("tr", { hasText: "grafana" }).waitFor();
    expect(await page.content()).not.toContain(token);
    await page.context().close();
  }, 60_000);

  it("exports fills as CSV, creates a bot from the form, runs and compares backtests", async () => {
    const page = await signIn("admin", mmesh.password);
    await page.goto(`${mmesh.base}/#/orders`);
    await until("fills listed", async () => (await page.getByTestId("trades").locator("tbody tr").count()) > 0);
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-fills").click()]);
    const csv = fs.readFileSync(await download.path(), "utf8");
    expect(csv.split("\r\n")[0]).toBe("time,exchange,symbol,side,price,amount,cost,fee,feeCurrency,role,tradeId,orderId,clientOrderId");
    expect(csv).toMatch(/\r\n[^,]+,paper,BTC\/USDT,(buy|sell),\d+(\.\d+)?,/);

    await page.goto(`${mmesh.base}/#/bots`);
    const form = page.getByRole("form", { name: "New bot" });
    await form.getByLabel("Name").fill("console-pmm");
    await form.getByLabel("Strategy").selectOption("pure_market_making");
    await form.getByRole("button", { name: "Create bot" }).click();
    await page.locator('tr[data-bot="console-pmm"]').waitFor({ timeout: 15_000 });
    expect((await api("GET", "/config/strategies/console-pmm")).body).toMatchObject({ version: 1, body: { market: "paper-btc", strategy: "pure_market_making", enabled: false } });

    // A backtest started from the page runs with its progress shown, then its report opens beside a sweep's and a file's.
    await page.goto(`${mmesh.base}/#/backtests`);
    const btForm = page.getByRole("form", { name: "New backtest" });
    await btForm.getByRole("button", { name: "Start backtest" }).click();
    const runs = page.getByTestId("backtest-runs");
    await runs.locator("tbody tr[data-job]").first().getByRole("progressbar").waitFor();
    await runs.locator("tbody tr[data-job]").first().getByTestId("state").filter({ hasText: "done" }).waitFor({ timeout: 30_000 });
    await btForm.getByLabel(/Sweep/).fill("riskAversion=0.00001,0.0001");
    await btForm.getByRole("button", { name: "Start backtest" }).click();
    await until("two runs done", async () => (await runs.getByTestId("state").filter({ hasText: "done" }).count()) === 2, 60_000);
    const open = runs.getByRole("button", { name: "Open report" });
    for (let n = 2; n > 0; n--) {
      await open.first().click();
      await until("the report opened", async () => (await open.count()) === n - 1);
    }
    const fixtures = path.resolve(__dirname, "../../console/src/test/fixtures");
    await page.getByTestId("report-files").setInputFiles([path.join(fixtures, "bot-report.json")]);
    // run: 2 queue models; sweep: 2 points × 1 (risk_averse); file: 1
    await until("five rows to compare", async () => (await page.getByTestId("backtest-rows").locator("tbody tr").count()) === 5);
    await page.screenshot({ path: path.join(shots, "backtests-compare.png"), fullPage: true });
    const bad = await api("POST", "/backtest/runs", { strategy: "glft", params: { orderAmount: "-1" }, dataset: "sample-btc-usdt-1h.jsonl" });
    expect(bad.status).toBe(422);
    await page.context().close();
  }, 120_000);

  it("the kill switch, confirmed, stops the bot", async () => {
    const page = await signIn("admin", mmesh.password);
    await page.goto(`${mmesh.base}/#/bots`);
    const ks = page.getByTestId("kill-switch");
    await ks.getByRole("button", { name: "Kill switch" }).click();
    await page.getByRole("button", { name: "Stop all bots" }).click();
    await ks.getByTestId("state").filter({ hasText: "engaged" }).waitFor({ timeout: 15_000 });
    const s = await until("the bot stopped", async () => {
      const st = await status();
      const b = st.bots.find((x) => x.name === BOT);
      return st.killSwitch.engaged && b && b.state !== "running" && !(b.live?.liveOrders.length) ? st : null;
    });
    expect(s.killSwitch.engaged).toBe(true);
    expect((await api<unknown[]>("GET", "/cex/paper/orders/open")).body).toEqual([]);
    await page.locator(`tr[data-bot="${BOT}"]`).getByTestId("state").filter({ hasNotText: "running" }).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(shots, "kill-switch.png"), fullPage: true });
    await page.context().close();
  }, 60_000);
});
