// The shot editor for `multi_prompt`: a list of {prompt, duration} shots, added and removed by hand,
// with a running sum beside the clip's duration (the server refuses shots that do not add up to it).
// Limits (how many shots, a shot's shortest and longest duration) come from the input's schema.

import { el, fill } from "./dom.js";

/** Whether an array input is a list of shots: objects with a prompt and a duration. */
export function isShotList(prop) {
  const item = prop && prop.type === "array" && prop.items;
  const props = (item && item.properties) || {};
  return Boolean(props.prompt && props.duration);
}

export class ShotEditor {
  constructor(name, prop, clipSeconds, onChange) {
    this.name = name;
    this.itemProps = prop.items.properties;
    this.maxShots = prop.maxItems || 6;
    this.clipSeconds = clipSeconds; // () => the clip's duration as the form has it
    this.onChange = onChange;
    this.list = el("ol", { className: "shot-list" });
    this.sum = el("p", { className: "shot-sum", "aria-live": "polite" });
    this.add = el("button", { type: "button", className: "add-shot", textContent: "Add shot" });
    this.add.addEventListener("click", () => {
      this.append();
      this.changed();
    });
    this.node = el("div", { className: "shots", role: "group", "aria-labelledby": `label-${name}` },
      this.list, el("div", { className: "shot-actions" }, this.add, this.sum));
    this.refresh();
  }

  rows() {
    return Array.from(this.list.children);
  }

  append(prompt = "", duration = null) {
    const dur = this.itemProps.duration;
    const left = this.clipSeconds() - this.total();
    const seconds = duration ?? Math.max(dur.minimum ?? 1, Math.min(left, dur.maximum ?? left));
    const row = el("li", { className: "shot" });
    const promptInput = el("textarea", { rows: 2, value: prompt, className: "shot-prompt",
      maxLength: this.itemProps.prompt.maxLength || undefined });
    const durationInput = el("input", { type: "number", className: "shot-duration", value: String(seconds),
      min: dur.minimum ?? "", max: dur.maximum ?? "", step: 1 });
    const remove = el("button", { type: "button", className: "remove-shot", textContent: "Remove" });
    remove.addEventListener("click", () => {
      row.remove();
      this.changed();
    });
    for (const input of [promptInput, durationInput]) input.addEventListener("input", () => this.changed());
    row.append(
      el("label", { className: "shot-label" }, "prompt", promptInput),
      el("label", { className: "shot-label narrow" }, "duration", durationInput),
      remove,
    );
    this.list.append(row);
  }

  total() {
    return this.rows().reduce((sum, row) => sum + (Number(row.querySelector(".shot-duration").value) || 0), 0);
  }

  changed() {
    this.refresh();
    this.onChange();
  }

  /** Number the shots (their labels name them) and show how the durations add up. */
  refresh() {
    this.rows().forEach((row, i) => {
      row.querySelector(".shot-prompt").setAttribute("aria-label", `shot ${i + 1} prompt`);
      row.querySelector(".shot-duration").setAttribute("aria-label", `shot ${i + 1} duration`);
      row.querySelector(".remove-shot").setAttribute("aria-label", `Remove shot ${i + 1}`);
    });
    this.add.disabled = this.rows().length >= this.maxShots;
    const n = this.rows().length;
    if (n === 0) {
      fill(this.sum, `No shots: one shot of the whole clip. Up to ${this.maxShots}.`);
      this.sum.classList.remove("mismatch");
      return;
    }
    const total = this.total();
    const clip = this.clipSeconds();
    fill(this.sum, `${n} shot${n > 1 ? "s" : ""}: ${total} s of ${clip} s`);
    this.sum.classList.toggle("mismatch", total !== clip);
  }

  /** The shots as the API takes them, or undefined when there are none. */
  value() {
    const shots = this.rows().map((row) => {
      const raw = row.querySelector(".shot-duration").value;
      return { prompt: row.querySelector(".shot-prompt").value, duration: raw === "" ? null : Number(raw) };
    });
    return shots.length ? shots : undefined;
  }

  set(shots) {
    this.list.replaceChildren();
    for (const shot of shots || []) this.append(shot.prompt ?? "", shot.duration ?? null);
    this.refresh();
  }
}
