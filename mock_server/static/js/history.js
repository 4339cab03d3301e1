// The account's history and balance, from the controls' account view (GET /__mock/accounts/{token}):
// its jobs newest first, each a button that reopens the job in the status and result panels.

import { controls, describeError, storage } from "./api.js";
import { el, fill, usd } from "./dom.js";

function shortModel(modelId) {
  return modelId.replace(/^kling\/kling-3\.0\//, "");
}

function clockTime(iso) {
  return iso ? iso.replace("T", " ").replace(/\.\d+/, "").replace("+00:00", " UTC") : "";
}

export class History {
  constructor(list, balance, { onOpen }) {
    this.list = list;
    this.balance = balance;
    this.onOpen = onOpen;
    this.account = null;
  }

  async refresh() {
    const token = storage.token();
    if (!token) {
      fill(this.balance, "No token.");
      fill(this.list);
      return null;
    }
    const res = await controls("GET", `/__mock/accounts/${encodeURIComponent(token)}`);
    if (!res.ok) {
      fill(this.balance, `Account: ${describeError(res)}`);
      return null;
    }
    const account = res.body;
    this.account = account;
    fill(this.balance, `Balance: ${usd(account.balance_usd)} · spent ${usd(account.spent_usd)}` +
      (account.held_usd ? ` · held ${usd(account.held_usd)}` : ""));
    const jobs = account.jobs.map((job, i) => ({ job, i }))
      .sort((a, b) => (b.job.submitted_at || "").localeCompare(a.job.submitted_at || "") || b.i - a.i)
      .map(({ job }) => job);
    if (!jobs.length) {
      fill(this.list, el("li", { className: "empty" }, "No jobs yet."));
      return account;
    }
    fill(this.list, ...jobs.map((job) => {
      const button = el("button", { type: "button", className: "history-item", dataset: { requestId: job.request_id } },
        el("span", { className: `phase phase-${job.phase}` }, job.phase),
        el("span", { className: "model" }, shortModel(job.model_id)),
        el("span", { className: "when" }, clockTime(job.submitted_at)),
        el("span", { className: "cost" }, usd(job.phase === "succeeded" ? job.charged_usd : job.cost_usd)));
      button.addEventListener("click", () => this.onOpen(job.request_id));
      return el("li", {}, button);
    }));
    return account;
  }
}
