// The controls drawer: what the real service does not have. The clock (mode, now, speed; advance a
// manual clock by N seconds; change a real clock's speed), fault presets scoped to the user's token (each
// a fault rule whose match.account is that token, so other accounts are untouched), the balance, and the
// account's journal as a live table. Everything goes through /__mock/.

import { controls, describeError, storage } from "./api.js";
import { byId, el, facts, fill, usd } from "./dom.js";

const REFRESH_MS = 1000;
const JOURNAL_ROWS = 40;

/** The presets: a rule for the given token. Names show in X-Mock-Decision. */
export const PRESETS = {
  outage: {
    label: "Outage 60 s",
    rule: (account) => ({ name: "outage-60s", match: { account }, window: { start: 0, end: 60 },
      effect: { status: 503, message: "Service unavailable (simulated outage)" } }),
  },
  storm: {
    label: "429 storm",
    rule: (account) => ({ name: "429-storm", match: { account }, probability: 0.5,
      effect: { status: 429, retry_after: 1, message: "Too many requests (simulated storm)" } }),
  },
  fail60: {
    label: "Fail at 60 %",
    rule: (account) => ({ name: "fail-at-60", match: { account, endpoint: "submit" },
      effect: { fail_at: 0.6, error: "internal_error" } }),
  },
  slow: {
    label: "Slow download",
    rule: (account) => ({ name: "slow-download", match: { account, endpoint: "files" },
      effect: { dribble: { chunk: 16384, delay: 0.05 } } }),
  },
};

function ruleSummary(rule) {
  const effect = Object.entries(rule.effect).map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`);
  return `${effect.join(", ")} · matched ${rule.matched}, fired ${rule.fired}`;
}

export class Drawer {
  constructor({ onChanged = () => {} } = {}) {
    this.onChanged = onChanged;
    this.node = byId("drawer");
    this.toggle = byId("drawer-toggle");
    this.toggle.addEventListener("click", () => this.setOpen(this.node.hidden));
    byId("drawer-close").addEventListener("click", () => this.setOpen(false));
    byId("advance").addEventListener("click", () => this.advance());
    byId("set-speed").addEventListener("click", () => this.setSpeed());
    byId("set-balance").addEventListener("click", () => this.setBalance(Number(byId("balance-usd").value)));
    byId("unlimited").addEventListener("click", () => this.setBalance(null));
    byId("clear-rules").addEventListener("click", () => this.clearRules());
    const presets = byId("presets");
    for (const [key, preset] of Object.entries(PRESETS)) {
      const button = el("button", { type: "button", textContent: preset.label, dataset: { preset: key } });
      button.addEventListener("click", () => this.applyPreset(key));
      presets.append(button);
    }
    const admin = byId("admin-token");
    admin.value = storage.adminToken();
    admin.addEventListener("change", () => {
      storage.setAdminToken(admin.value.trim());
      this.refresh();
      this.onChanged();
    });
    this.timer = null;
  }

  setOpen(open) {
    this.node.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    clearInterval(this.timer);
    this.timer = null;
    if (open) {
      this.refresh();
      this.timer = setInterval(() => this.refresh(), REFRESH_MS);
    }
  }

  say(text) {
    fill(byId("drawer-message"), text);
  }

  async refresh() {
    await Promise.all([this.refreshClock(), this.refreshRules(), this.refreshAccount(), this.refreshJournal()]);
  }

  async refreshClock() {
    const res = await controls("GET", "/__mock/clock");
    if (!res.ok) return this.say(`Clock: ${describeError(res)}`);
    const c = res.body;
    facts(byId("clock-facts"), [["mode", c.mode], ["now", c.now_iso], ["speed", c.mode === "manual" ? "stopped (manual)" : `×${c.speed}`]]);
    byId("advance").disabled = c.mode !== "manual";
    byId("set-speed").disabled = c.mode === "manual";
  }

  async advance() {
    const seconds = Number(byId("advance-by").value);
    const res = await controls("POST", "/__mock/clock/advance", { seconds });
    this.say(res.ok ? `Advanced ${seconds} s.` : `Advance: ${describeError(res)}`);
    await this.refreshClock();
    this.onChanged();
  }

  async setSpeed() {
    const speed = Number(byId("speed").value);
    const res = await controls("POST", "/__mock/clock", { speed });
    this.say(res.ok ? `Speed ×${speed}.` : `Speed: ${describeError(res)}`);
    await this.refreshClock();
  }

  async applyPreset(key) {
    const token = storage.token();
    const res = await controls("POST", "/__mock/faults", PRESETS[key].rule(token));
    this.say(res.ok ? `${PRESETS[key].label}: on for ${token}.` : `${PRESETS[key].label}: ${describeError(res)}`);
    await this.refreshRules();
  }

  async refreshRules() {
    const token = storage.token();
    const res = await controls("GET", `/__mock/faults?account=${encodeURIComponent(token)}`);
    const list = byId("rules");
    if (!res.ok) return fill(list, el("li", {}, describeError(res)));
    if (!res.body.rules.length) return fill(list, el("li", { className: "empty" }, "No fault rules for this token."));
    fill(list, ...res.body.rules.map((rule) => {
      const remove = el("button", { type: "button", textContent: "Remove", "aria-label": `Remove ${rule.name}` });
      remove.addEventListener("click", async () => {
        await controls("DELETE", `/__mock/faults/${encodeURIComponent(rule.name)}?account=${encodeURIComponent(token)}`);
        await this.refreshRules();
      });
      return el("li", { dataset: { rule: rule.name } }, el("strong", {}, rule.name), " ", ruleSummary(rule), " ", remove);
    }));
  }

  async clearRules() {
    const token = storage.token();
    const res = await controls("DELETE", `/__mock/faults?account=${encodeURIComponent(token)}`);
    this.say(res.ok ? `Removed ${res.body.removed} rule(s).` : describeError(res));
    await this.refreshRules();
  }

  async refreshAccount() {
    const token = storage.token();
    const res = await controls("GET", `/__mock/accounts/${encodeURIComponent(token)}`);
    if (!res.ok) return fill(byId("drawer-balance"), describeError(res));
    const a = res.body;
    fill(byId("drawer-balance"), `${usd(a.balance_usd)} left · spent ${usd(a.spent_usd)} · held ${usd(a.held_usd)}`);
  }

  async setBalance(value) {
    const token = storage.token();
    if (value !== null && !(value >= 0)) return this.say("Balance: enter an amount of USD, 0 or more.");
    const res = await controls("PUT", `/__mock/accounts/${encodeURIComponent(token)}/balance`, { usd: value });
    this.say(res.ok ? `Balance set to ${usd(value)}.` : `Balance: ${describeError(res)}`);
    await this.refreshAccount();
    this.onChanged();
  }

  async refreshJournal() {
    const token = storage.token();
    const res = await controls("GET", `/__mock/journal?account=${encodeURIComponent(token)}&limit=${JOURNAL_ROWS}`);
    const body = byId("journal").tBodies[0];
    if (!res.ok) return fill(body, el("tr", {}, el("td", { colSpan: 6 }, describeError(res))));
    fill(body, ...res.body.entries.slice().reverse().map((e) => el("tr", {},
      el("td", {}, (e.time_iso || "").slice(11, 19)),
      el("td", {}, e.method),
      el("td", { className: "path" }, e.path),
      el("td", {}, e.status ?? e.outcome),
      el("td", {}, e.decision || ""),
      el("td", { className: "num" }, Number(e.latency_ms).toFixed(1)))));
  }
}
