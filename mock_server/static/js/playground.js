// The playground: pick a model, fill its inputs, Generate, watch the job and play the result.
// Wires the pieces together; each lives in its own module (the form, the job panel, the history, the
// controls drawer, the snippets). Loaded as a module file: the page's Content-Security-Policy forbids
// inline scripts.

import { api, controls, describeError, newToken, storage } from "./api.js";
import { byId, el, fill } from "./dom.js";
import { Drawer } from "./drawer.js";
import { History } from "./history.js";
import { JobPanel } from "./job.js";
import { estimateLine, priceLine } from "./pricing.js";
import { SchemaForm } from "./schema-form.js";
import { curlSnippet, pythonSnippet } from "./snippets.js";

const state = { models: [], entry: null, form: null, fixtures: [] };

function say(text) {
  fill(byId("form-error"), text || "");
}

async function loadCatalog() {
  const res = await api("GET", "/v1/models?limit=100");
  if (!res.ok) {
    say(`Catalog: ${describeError(res)}`);
    return;
  }
  state.models = res.body.models;
  const select = byId("model");
  const previous = select.value;
  fill(select, ...state.models.map((m) => el("option", { value: m.model_id, textContent: m.display_name || m.model_id })));
  if (state.models.some((m) => m.model_id === previous)) select.value = previous;
  await chooseModel(select.value);
}

async function loadFixtures() {
  const res = await controls("GET", "/__mock/fixtures");
  state.fixtures = res.ok ? res.body.fixtures : [];
}

/** The full entry of one model (with its input_schema), and the form drawn from it. */
async function chooseModel(modelId) {
  if (!modelId) return;
  const res = await api("GET", `/v1/models/${modelId}`);
  if (!res.ok) {
    say(`Model: ${describeError(res)}`);
    return;
  }
  say("");
  const kept = state.form ? state.form.values() : {};
  state.entry = res.body;
  fill(byId("price-line"), priceLine(state.entry));
  fill(byId("model-description"), state.entry.description || "");
  state.form = new SchemaForm(byId("inputs"), state.entry.input_schema, {
    fixtures: state.fixtures,
    onChange: refreshEstimate,
  });
  // Inputs the two models share keep what the user typed (a prompt, a duration, ...).
  const props = (state.entry.input_schema && state.entry.input_schema.properties) || {};
  state.form.setValues(Object.fromEntries(Object.entries(kept).filter(([name]) => name in props)));
  byId("inputs").dataset.model = state.entry.model_id;
  refreshEstimate();
  hideSnippet();
}

function refreshEstimate() {
  if (state.entry && state.form) fill(byId("estimate"), estimateLine(state.entry, state.form.values()));
}

function hideSnippet() {
  byId("snippet").hidden = true;
}

async function generate(jobs, history) {
  if (!state.entry) return;
  const button = byId("generate");
  button.disabled = true;
  say("");
  state.form.clearErrors();
  const res = await api("POST", `/v1/models/${state.entry.model_id}`, state.form.values());
  button.disabled = false;
  if (res.ok) {
    jobs.watch(res.body.request_id, { decision: res.decision });
    history.refresh();
    return;
  }
  const detail = res.body && Array.isArray(res.body.detail) ? res.body.detail : null;
  const rest = detail ? state.form.showErrors(detail) : [];
  const extra = rest.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ");
  say(describeError(res) + (res.decision ? ` · X-Mock-Decision: ${res.decision}` : "") + (extra ? ` · ${extra}` : ""));
}

async function copySnippet(kind) {
  if (!state.entry) return;
  const make = kind === "curl" ? curlSnippet : pythonSnippet;
  const text = make(location.origin, state.entry.model_id, storage.token(), state.form.values());
  const pre = byId("snippet");
  fill(pre, text);
  pre.dataset.kind = kind;
  pre.hidden = false;
  try {
    await navigator.clipboard.writeText(text);
    fill(byId("copy-note"), `Copied as ${kind === "curl" ? "curl" : "Python"}.`);
  } catch {
    fill(byId("copy-note"), "Select the text below to copy it.");
  }
}

async function main() {
  const token = byId("token");
  if (!storage.token()) storage.setToken(newToken());
  token.value = storage.token();

  const history = new History(byId("history"), byId("balance"), { onOpen: (id) => jobs.watch(id, { live: false }) });
  const jobs = new JobPanel({ onFinished: () => history.refresh() });
  const drawer = new Drawer({ onChanged: () => history.refresh() });

  token.addEventListener("change", () => {
    storage.setToken(token.value.trim());
    history.refresh();
    if (!drawer.node.hidden) drawer.refresh();
  });
  byId("model").addEventListener("change", (e) => chooseModel(e.target.value));
  byId("generate").addEventListener("click", () => generate(jobs, history));
  byId("copy-curl").addEventListener("click", () => copySnippet("curl"));
  byId("copy-python").addEventListener("click", () => copySnippet("python"));

  await loadFixtures();
  await loadCatalog();
  await history.refresh();
  setInterval(() => history.refresh(), 3000);
  document.body.dataset.ready = "true";
}

main();
