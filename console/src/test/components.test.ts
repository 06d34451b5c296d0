import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen, fireEvent, cleanup, waitFor } from "@testing-library/svelte";
import ConfirmButton from "../components/ConfirmButton.svelte";
import BotControls from "../components/BotControls.svelte";
import KillSwitch from "../components/KillSwitch.svelte";
import BookLadder from "../components/BookLadder.svelte";
import ParamsForm from "../components/ParamsForm.svelte";
import BacktestForm from "../components/BacktestForm.svelte";
import NewBotForm from "../components/NewBotForm.svelte";
import { perms } from "../lib/perms.svelte";
import { permissionsFrom } from "../lib/roles";
import { session } from "../lib/session.svelte";

const DOC = {
  paths: {
    "/api/v1/mm/bots/{bot}/pause": { post: { "x-roles": ["trader", "admin"] } },
    "/api/v1/mm/bots/{bot}/resume": { post: { "x-roles": ["trader", "admin"] } },
    "/api/v1/mm/kill-switch": { post: { "x-roles": ["trader", "admin"] } },
    "/api/v1/mm/resume": { post: { "x-roles": ["admin"] } },
  },
};

function signIn(role: "viewer" | "trader" | "admin") {
  session.current = { accessToken: "t", refreshToken: "r", user: { username: role, role } };
  perms.map = permissionsFrom(DOC);
  perms.loaded = true;
}

/** The gateway's answers, in order, as fetch would give them. */
function answer(...responses: Array<[number, unknown]>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const [status, body] = responses.shift() ?? [500, {}];
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  });
  return calls;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  session.current = null;
});

describe("ConfirmButton", () => {
  it("acts only after the confirmation, and not on cancel", async () => {
    const act = vi.fn();
    render(ConfirmButton, { label: "Kill", question: "Really?", confirmLabel: "Yes", onconfirm: act });
    await fireEvent.click(screen.getByRole("button", { name: "Kill" }));
    expect(screen.getByRole("dialog", { name: "Really?" })).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(act).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole("button", { name: "Kill" }));
    await fireEvent.click(screen.getByRole("button", { name: "Yes" }));
    expect(act).toHaveBeenCalledTimes(1);
  });

  it("shows the error of a refused action", async () => {
    render(ConfirmButton, { label: "Go", question: "Sure?", onconfirm: () => Promise.reject(new Error("This route needs the trader role")) });
    await fireEvent.click(screen.getByRole("button", { name: "Go" }));
    await fireEvent.click(screen.getByRole("button", { name: "Confirm" }));
    expect((await screen.findByRole("alert")).textContent).toContain("trader role");
  });
});

describe("role-aware controls", () => {
  it("shows a viewer no pause, resume or kill switch", () => {
    signIn("viewer");
    render(BotControls, { bot: "b1", state: "running" });
    render(KillSwitch, { ks: { engaged: false } });
    expect(screen.queryAllByRole("button")).toHaveLength(0);
  });

  it("shows a trader pause on a running bot, resume on a paused one, and the kill switch but not its release", () => {
    signIn("trader");
    render(BotControls, { bot: "b1", state: "running" });
    expect(screen.getByRole("button", { name: "Pause" })).toBeTruthy();
    cleanup();
    render(BotControls, { bot: "b1", state: "paused" });
    expect(screen.getByRole("button", { name: "Resume" })).toBeTruthy();
    cleanup();
    render(KillSwitch, { ks: { engaged: false } });
    expect(screen.getByRole("button", { name: "Kill switch" })).toBeTruthy();
    cleanup();
    render(KillSwitch, { ks: { engaged: true, reason: "r" } });
    expect(screen.queryByRole("button", { name: "Release" })).toBeNull();
  });

  it("pauses through the REST API after the confirmation", async () => {
    signIn("trader");
    const calls = answer([200, { bot: "b1", state: "paused" }]);
    const changed = vi.fn();
    render(BotControls, { bot: "b1", state: "running", onchange: changed });
    await fireEvent.click(screen.getByRole("button", { name: "Pause" }));
    expect(calls).toHaveLength(0);
    await fireEvent.click(screen.getByRole("button", { name: "Pause bot" }));
    await waitFor(() => expect(changed).toHaveBeenCalled());
    expect(calls[0].url).toBe("/api/v1/mm/bots/b1/pause");
    expect(calls[0].init.method).toBe("POST");
    expect((calls[0].init.headers as Record<string, string>).authorization).toBe("Bearer t");
  });
});

describe("ParamsForm", () => {
  const doc = { version: 3, body: { market: "m", strategy: "pure_market_making", params: { orderAmount: "0.002", bidSpread: 0.01, clampToMid: true } } };

  it("shows the config service's validation error under the field and keeps the others clean", async () => {
    signIn("trader");
    const calls = answer([422, { error: { code: "VALIDATION_ERROR", message: "Parameters validation error!", data: [{ field: "params.orderAmount", message: "The 'params.orderAmount' field must be a non-negative decimal string" }] } }]);
    render(ParamsForm, { name: "b1", doc, editable: true });
    const input = screen.getByLabelText(/orderAmount/) as HTMLInputElement;
    await fireEvent.input(input, { target: { value: "-1" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save parameters" }));
    const error = await screen.findByTestId("field-error");
    expect(error.textContent).toContain("params.orderAmount");
    expect(error.closest("label")?.getAttribute("data-field")).toBe("orderAmount");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getAllByTestId("field-error")).toHaveLength(1);
    // The document is sent whole with the parameters typed as they were (numbers stay numbers).
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ body: { ...doc.body, params: { orderAmount: "-1", bidSpread: 0.01, clampToMid: true } } });
  });

  it("hands the saved version to the page, which re-creates the form for it (so the page shows the note)", async () => {
    signIn("trader");
    answer([200, { version: 4 }]);
    const saved: number[] = [];
    render(ParamsForm, { name: "b1", doc, editable: true, onsaved: (v: number) => saved.push(v) });
    await fireEvent.click(screen.getByRole("button", { name: "Save parameters" }));
    await vi.waitFor(() => expect(saved).toEqual([4]));
    expect(screen.queryByRole("status")).toBeNull();
  });

  it("is read-only without the role to write config", () => {
    signIn("viewer");
    render(ParamsForm, { name: "b1", doc, editable: false });
    expect(screen.queryByRole("button")).toBeNull();
    expect((screen.getByLabelText(/orderAmount/) as HTMLInputElement).disabled).toBe(true);
  });
});

describe("BacktestForm and NewBotForm", () => {
  it("names parameters that are not JSON without asking the gateway", async () => {
    signIn("trader");
    const calls = answer([200, [{ name: "d.jsonl", bytes: 2048 }]]);
    render(BacktestForm, {});
    await screen.findByText("d.jsonl (2 KB)");
    await fireEvent.input(screen.getByLabelText(/Parameters \(JSON\)/), { target: { value: "{ nope" } });
    await fireEvent.click(screen.getByRole("button", { name: "Start backtest" }));
    expect((await screen.findByTestId("field-error")).textContent).toBe("Not valid JSON");
    expect(calls).toHaveLength(1);
  });

  it("shows a backtest refusal under the field it names (sweep[0] → sweep)", async () => {
    signIn("trader");
    const calls = answer([200, [{ name: "d.jsonl", bytes: 2048 }]], [422, { error: { code: "VALIDATION_ERROR", message: "bad", data: [{ field: "sweep[0]", message: "not an axis" }] } }]);
    render(BacktestForm, {});
    await screen.findByText("d.jsonl (2 KB)");
    await fireEvent.input(screen.getByLabelText(/Sweep/), { target: { value: "x" } });
    await fireEvent.click(screen.getByRole("button", { name: "Start backtest" }));
    expect(await screen.findByText("not an axis")).toBeTruthy();
    expect(JSON.parse(String(calls[1].init.body))).toMatchObject({ dataset: "d.jsonl", sweep: ["x"], params: { orderAmount: "0.01" } });
  });

  it("shows a new bot's refused parameter under Parameters, its JSON error too", async () => {
    signIn("admin");
    const calls = answer([200, [{ name: "m1" }]], [404, { error: { code: "NOT_FOUND", message: "no" } }], [422, { error: { code: "VALIDATION_ERROR", message: "bad", data: [{ field: "body.params.orderAmount", message: "must be positive" }] } }]);
    render(NewBotForm, {});
    await screen.findByText("m1");
    await fireEvent.input(screen.getByLabelText(/Name/), { target: { value: "b2" } });
    const params = screen.getByLabelText(/Parameters/);
    await fireEvent.input(params, { target: { value: "[" } });
    await fireEvent.submit(params.closest("form")!);
    expect((await screen.findByText("Not valid JSON")).textContent).toBe("Not valid JSON");
    expect(calls).toHaveLength(1);
    await fireEvent.input(params, { target: { value: '{ "orderAmount": "-1" }' } });
    await fireEvent.submit(params.closest("form")!);
    expect(await screen.findByText("must be positive")).toBeTruthy();
    expect(JSON.parse(String(calls[2].init.body))).toMatchObject({ body: { market: "m1", params: { orderAmount: "-1" } } });
  });
});

describe("BookLadder", () => {
  it("marks the bot's own quotes in the book", () => {
    render(BookLadder, { bids: [["99.5", "1"], ["99", "2"]], asks: [["100.5", "1"], ["101", "3"]], ownBids: ["99.50"], ownAsks: ["101"] });
    const own = [...document.querySelectorAll("tr.own")].map((r) => r.textContent);
    expect(own).toHaveLength(2);
    expect(own.join(" ")).toContain("our bid");
    expect(own.join(" ")).toContain("our ask");
  });
});
