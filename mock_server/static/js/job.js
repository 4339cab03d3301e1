// The status panel and the result of one job, read from the public API with the user's token, as a
// client would: poll /status (status word, queue position) until the job is finished, then read
// /result?include_cost=true. Every answer's X-Mock-Decision (the fault rules that touched it) is shown.
// A poll that fails (a simulated outage, a 429 storm) is shown and retried after its Retry-After; a 403,
// or a 404 that lasts, ends the watch.

import { api, controls, describeError, encodePath } from "./api.js";
import { byId, el, facts, fill, seconds, usd } from "./dom.js";

const POLL_MS = 400;
const MAX_BACKOFF_MS = 5000;
const FINISHED = new Set(["completed", "cancelled", "failed"]);
const RETRIED = new Set([408, 429]); // with the 5xx and refused connections; other 4xx answers end the watch
const NOT_FOUND_RETRIES = 10;

/** The path of an output URL on this server: the page plays and downloads files from its own origin. */
export function ownPath(url) {
  try {
    const parsed = new URL(url, location.href);
    return parsed.pathname + parsed.search;
  } catch {
    return url;
  }
}

export class JobPanel {
  constructor({ onFinished = () => {} } = {}) {
    this.onFinished = onFinished;
    this.els = {
      word: byId("status-word"), position: byId("queue-position"), elapsed: byId("elapsed"),
      decision: byId("decision"), requestId: byId("request-id"), cancel: byId("cancel"),
      message: byId("job-message"), video: byId("video"), resultFacts: byId("result-facts"),
      download: byId("download"), outputUrl: byId("output-url"),
    };
    this.els.cancel.addEventListener("click", () => this.cancel());
    this.generation = 0; // bumped by every watch(), so a stale poll loop stops by itself
  }

  /** Show a job from its submit (or reopen one from the history) and follow it to its end. */
  watch(requestId, { decision = null, live = true } = {}) {
    const generation = ++this.generation;
    this.requestId = requestId;
    this.live = live;
    this.startedAt = live ? performance.now() : null;
    this.decisions = [];
    this.noteDecision(decision);
    this.clearResult();
    fill(this.els.requestId, requestId);
    fill(this.els.word, "…");
    fill(this.els.position, "–");
    fill(this.els.elapsed, "–");
    this.say("");
    this.els.cancel.hidden = true;
    this.poll(generation, 0);
  }

  stale(generation) {
    return generation !== this.generation;
  }

  noteDecision(decision) {
    if (decision && !this.decisions.includes(decision)) this.decisions.push(decision);
    fill(this.els.decision, this.decisions.length ? this.decisions.join("; ") : "none");
  }

  /** The panel's message line; a polling trouble is cleared by the next good poll, other messages stay. */
  say(text, source = "job") {
    fill(this.els.message, text);
    this.els.message.dataset.source = source;
  }

  tickElapsed() {
    if (this.startedAt !== null) fill(this.els.elapsed, seconds((performance.now() - this.startedAt) / 1000));
  }

  async poll(generation, failures) {
    if (this.stale(generation)) return;
    let res = await api("GET", `/v1/requests/${encodePath(this.requestId)}/status`);
    if (this.stale(generation)) return;
    if (res.ok && !(res.body && typeof res.body.status === "string")) {
      res = { ...res, ok: false }; // an error body with HTTP 200 (a quirk the mock can simulate) is an error
    }
    this.noteDecision(res.decision);
    this.tickElapsed();
    // A fresh job may answer 404 for a moment (the mock can simulate it); a reopened one that does is gone.
    const stillNew = res.status === 404 && this.live && failures < NOT_FOUND_RETRIES;
    if (!res.ok && res.status >= 400 && res.status < 500 && !RETRIED.has(res.status) && !stillNew) {
      this.say(`Polling: ${describeError(res)}`); // unknown, expired or another account's: asking again is no use
      this.els.cancel.hidden = true;
      return;
    }
    if (!res.ok) {
      this.say(`Polling: ${describeError(res)}; retrying`, "poll");
      const wait = Math.min(MAX_BACKOFF_MS, Math.max(POLL_MS * 2 ** Math.min(failures, 4),
        1000 * Number(res.retryAfter || 0)));
      setTimeout(() => this.poll(generation, failures + 1), wait);
      return;
    }
    if (this.els.message.dataset.source === "poll") this.say("");
    const status = res.body.status;
    fill(this.els.word, status);
    this.els.word.dataset.status = status;
    fill(this.els.position, res.body.queue_position ?? "–");
    this.els.cancel.hidden = status !== "in_queue";
    if (FINISHED.has(status)) {
      this.startedAt = null;
      await this.showResult(generation);
      this.onFinished(this.requestId);
      return;
    }
    setTimeout(() => this.poll(generation, 0), POLL_MS);
  }

  async cancel() {
    const id = this.requestId;
    this.els.cancel.disabled = true;
    const res = await api("POST", `/v1/requests/${encodePath(id)}/cancel`);
    this.els.cancel.disabled = false;
    this.noteDecision(res.decision);
    if (!res.ok) {
      this.say(`Cancel: ${describeError(res)}`);
      return;
    }
    this.say(res.body.outcome === "cancelled" ? "Cancelled while queued." : "Too late to cancel: the job has started.");
  }

  clearResult() {
    const v = this.els.video;
    v.hidden = true;
    v.removeAttribute("src");
    v.load();
    fill(this.els.resultFacts);
    this.els.download.hidden = true;
    fill(this.els.outputUrl);
  }

  async showResult(generation) {
    const res = await api("GET", `/v1/requests/${encodePath(this.requestId)}/result?include_cost=true`);
    if (this.stale(generation)) return;
    this.noteDecision(res.decision);
    if (!res.ok) {
      this.say(`Result: ${describeError(res)}`);
      return;
    }
    const body = res.body;
    const took = body.created_at && body.finished_at
      ? (Date.parse(body.finished_at) - Date.parse(body.created_at)) / 1000 : null;
    if (took !== null) {
      const wall = this.els.elapsed.textContent === "–" ? "" : `${this.els.elapsed.textContent} here, `;
      fill(this.els.elapsed, `${wall}${seconds(took, 0)} of clock time`);
    }
    const pairs = [["result status", body.status]];
    if (body.cost !== undefined) pairs.push(["cost", usd(body.cost)]);
    if (body.error) {
      pairs.push(["error", `${body.error.error_code}: ${body.error.error_message}`]);
      this.say(`The job failed: ${body.error.error_message}`);
    }
    facts(this.els.resultFacts, pairs);
    const video = body.output && body.output.video;
    if (!video) return;
    const path = ownPath(video);
    fill(this.els.outputUrl, "output.video: ", el("code", {}, video));
    this.els.video.src = path;
    this.els.video.hidden = false;
    this.els.download.href = path;
    this.els.download.download = path.split("/").pop();
    this.els.download.hidden = false;
    await this.showInspection(generation, pairs);
  }

  /** What the server's `inspect` reads from the file: size, duration, audio, fingerprint. */
  async showInspection(generation, pairs) {
    const res = await controls("GET", `/__mock/inspect/${encodePath(this.requestId)}`);
    if (this.stale(generation) || !res.ok) return;
    const f = res.body;
    const audio = f.audio ? `${f.audio.codec}, ${f.audio.sample_rate / 1000} kHz, ${f.audio.channels} ch` : "none";
    const fp = f.fingerprint && f.fingerprint.magic_ok ? f.fingerprint.hash : "unreadable";
    facts(this.els.resultFacts, [
      ...pairs,
      ["size", `${f.width}×${f.height}, ${(f.bytes / 1e6).toFixed(2)} MB`],
      ["duration", seconds(f.duration, 2)],
      ["frames", `${f.frame_count} at ${f.fps} fps, ${f.codec}`],
      ["audio", audio],
      ["shots", String((f.shots || []).length || 1)],
      ["fingerprint", fp],
    ]);
  }
}
