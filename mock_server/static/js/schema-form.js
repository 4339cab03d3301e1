// A form drawn from a model's input_schema (GET /v1/models/{id}): one field per input, labelled with the
// input's name (so `prompt`, `duration`, ... are reachable by their label), with its description, default,
// range or choices. Nothing here knows the Kling inputs by name: enums become menus, booleans check
// boxes, numbers number fields, image inputs an image picker, lists of shots a shot editor, other lists
// and objects a JSON field, strings text fields.
// A 422 answer's `detail` items are shown next to the field their `loc` names.

import { el, fill } from "./dom.js";
import { ImagePicker, isImageInput } from "./image-picker.js";
import { isShotList, ShotEditor } from "./shots.js";

const LONG_TEXT = 200;

function describeConstraints(prop) {
  const parts = [];
  if (prop.default !== undefined) parts.push(`default ${JSON.stringify(prop.default)}`);
  if (prop.minimum !== undefined && prop.maximum !== undefined) parts.push(`${prop.minimum} to ${prop.maximum}`);
  else if (prop.minimum !== undefined) parts.push(`at least ${prop.minimum}`);
  else if (prop.maximum !== undefined) parts.push(`at most ${prop.maximum}`);
  if (Array.isArray(prop.enum)) parts.push(`one of ${prop.enum.join(", ")}`);
  if (prop.maxLength !== undefined && prop.type === "string") parts.push(`up to ${prop.maxLength} characters`);
  if (prop.maxItems !== undefined) parts.push(`up to ${prop.maxItems} items`);
  return parts.join(" · ");
}

/** One input of the form: its control, how to read and set its value, where its errors go. */
class Field {
  constructor(name, prop, required, ctx) {
    this.name = name;
    this.prop = prop;
    this.required = required;
    const id = `in-${name}`;
    this.error = el("p", { className: "field-error", id: `err-${name}`, role: "alert" });
    const hintId = `hint-${name}`;
    this.build(id, ctx);
    const label = this.kind === "shots"
      ? el("span", { className: "label", id: `label-${name}` }, name)
      : el("label", { for: id, id: `label-${name}` }, name);
    if (this.control) this.control.setAttribute("aria-describedby", `${hintId} err-${name}`);
    this.node = el("div", { className: `field kind-${this.kind}`, dataset: { field: name } },
      el("div", { className: "field-head" }, label,
        required ? el("span", { className: "required" }, "required") : null),
      this.widget,
      el("p", { className: "hint", id: hintId }, prop.description || ""),
      el("p", { className: "constraints" }, describeConstraints(prop)),
      this.error);
  }

  build(id, ctx) {
    const prop = this.prop;
    const onChange = ctx.onChange;
    if (Array.isArray(prop.enum)) {
      this.kind = "choice";
      this.control = el("select", { id },
        ...(prop.default === undefined && !this.required ? [el("option", { value: "", textContent: "(not set)" })] : []),
        ...prop.enum.map((v) => el("option", { value: JSON.stringify(v), textContent: String(v) })));
      if (prop.default !== undefined) this.control.value = JSON.stringify(prop.default);
      this.read = () => (this.control.value === "" ? undefined : JSON.parse(this.control.value));
      this.write = (v) => { this.control.value = v === undefined ? "" : JSON.stringify(v); };
    } else if (prop.type === "boolean") {
      this.kind = "flag";
      this.control = el("input", { type: "checkbox", id, checked: Boolean(prop.default) });
      this.read = () => this.control.checked;
      this.write = (v) => { this.control.checked = Boolean(v); };
    } else if (prop.type === "integer" || prop.type === "number") {
      this.kind = "number";
      this.control = el("input", { type: "number", id, min: prop.minimum ?? "", max: prop.maximum ?? "",
        step: prop.type === "integer" ? 1 : (prop.multipleOf ?? "any"),
        value: prop.default !== undefined ? String(prop.default) : "" });
      this.read = () => (this.control.value === "" ? undefined : Number(this.control.value));
      this.write = (v) => { this.control.value = v === undefined ? "" : String(v); };
    } else if (isShotList(prop)) {
      this.kind = "shots";
      this.editor = new ShotEditor(this.name, prop, ctx.clipSeconds, onChange);
      this.widget = this.editor.node;
      this.read = () => this.editor.value();
      this.write = (v) => this.editor.set(v);
      return;
    } else if (isImageInput(this.name, prop)) {
      this.kind = "image";
      this.control = el("input", { type: "text", id, spellcheck: false, autocomplete: "off",
        placeholder: "an image URL, or data:image/…;base64,…" });
      this.picker = new ImagePicker(this.name, this.control, ctx.fixtures, onChange);
      this.widget = this.picker.node;
      this.read = () => (this.control.value.trim() === "" ? undefined : this.control.value.trim());
      this.write = (v) => this.picker.set(v);
      this.control.addEventListener("input", onChange);
      return;
    } else if (prop.type === "array" || prop.type === "object" || prop.type === undefined) {
      this.kind = "json";
      this.control = el("textarea", { id, rows: 3, spellcheck: false, placeholder: "JSON" });
      this.read = () => {
        const text = this.control.value.trim();
        if (text === "") return undefined;
        try {
          return JSON.parse(text);
        } catch {
          return text; // sent as typed: the server's 422 names the field
        }
      };
      this.write = (v) => { this.control.value = v === undefined ? "" : JSON.stringify(v, null, 1); };
    } else {
      this.kind = "text";
      const long = (prop.maxLength ?? Infinity) >= LONG_TEXT;
      this.control = long
        ? el("textarea", { id, rows: this.name === "prompt" ? 3 : 2 })
        : el("input", { type: "text", id });
      if (prop.default !== undefined) this.control.value = String(prop.default);
      this.read = () => (this.control.value === "" ? undefined : this.control.value);
      this.write = (v) => { this.control.value = v ?? ""; };
    }
    this.widget = this.control;
    this.control.addEventListener(this.kind === "choice" || this.kind === "flag" ? "change" : "input", onChange);
  }

  showError(messages) {
    fill(this.error, messages.join("; "));
    this.node.classList.toggle("invalid", messages.length > 0);
  }
}

export class SchemaForm {
  /** Draw `schema` into `form`; `fixtures` are the sample stills, `onChange` runs on every edit. */
  constructor(form, schema, { fixtures = [], onChange = () => {} } = {}) {
    this.form = form;
    this.schema = schema || {};
    const required = new Set(this.schema.required || []);
    const ctx = {
      fixtures,
      onChange: () => {
        this.refreshShots();
        onChange();
      },
      clipSeconds: () => this.clipSeconds(),
    };
    this.fields = new Map();
    for (const [name, prop] of Object.entries(this.schema.properties || {})) {
      this.fields.set(name, new Field(name, prop, required.has(name), ctx));
    }
    fill(form, ...Array.from(this.fields.values(), (f) => f.node));
    this.refreshShots();
  }

  clipSeconds() {
    const duration = this.fields.get("duration");
    const value = duration ? duration.read() : undefined;
    const fallback = duration && duration.prop.default !== undefined ? duration.prop.default : 5;
    return Number(value ?? fallback);
  }

  refreshShots() {
    for (const field of this.fields.values()) if (field.editor) field.editor.refresh();
  }

  /** The request body: every input that has a value; empty optional inputs are left out. */
  values() {
    const body = {};
    for (const [name, field] of this.fields) {
      const value = field.read();
      if (value !== undefined) body[name] = value;
    }
    return body;
  }

  setValues(values) {
    for (const [name, field] of this.fields) if (name in values) field.write(values[name]);
    this.refreshShots();
  }

  clearErrors() {
    for (const field of this.fields.values()) field.showError([]);
  }

  /** Put each `{loc, msg}` next to the field its loc names; answer the ones no field takes. */
  showErrors(detail) {
    this.clearErrors();
    const byField = new Map();
    const rest = [];
    for (const item of detail) {
      const loc = Array.isArray(item.loc) ? item.loc : [];
      const path = loc[0] === "body" ? loc.slice(1) : loc;
      const field = this.fields.get(String(path[0]));
      if (!field) {
        rest.push(item);
        continue;
      }
      const where = path.length > 1 ? `${path.slice(1).map((p) => (typeof p === "number" ? `shot ${p + 1}` : p)).join(" ")}: ` : "";
      if (!byField.has(field)) byField.set(field, []);
      byField.get(field).push(where + item.msg);
    }
    for (const [field, messages] of byField) field.showError(messages);
    const first = byField.keys().next();
    if (!first.done && first.value.control) first.value.control.focus();
    return rest;
  }
}
