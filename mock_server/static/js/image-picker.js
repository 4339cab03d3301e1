// The image picker for image inputs (`start_image_url`, `end_image_url`, ...): a URL field that takes
// an image URL or a data URI, filled either from a local file (read as a `data:image/...;base64,` URI)
// or with one of the server's sample stills (`/__mock/fixtures/<name>`, which the server reads locally
// on any host, so no image ever leaves the machine).
// The preview is drawn on a canvas from the image's bytes: the page's Content-Security-Policy does not
// let it load `data:` or `blob:` images.

import { el } from "./dom.js";

const IMAGE_FORMATS = ["image_uri", "image_url", "image"];

/** Whether a string input takes an image: by its format, or an image URL by its name. */
export function isImageInput(name, prop) {
  if (!prop || prop.type !== "string") return false;
  if (IMAGE_FORMATS.includes(prop.format)) return true;
  return /image/i.test(name) && (prop.format === "uri" || /url|uri/i.test(name));
}

export function fixtureUrl(name) {
  return `https://${location.host}/__mock/fixtures/${encodeURIComponent(name)}`;
}

export class ImagePicker {
  constructor(name, input, fixtures, onChange) {
    this.name = name;
    this.input = input; // the text field labelled by the input's name
    this.onChange = onChange;
    this.canvas = el("canvas", { className: "preview", width: 160, height: 90, hidden: true,
      "aria-label": `${name} preview`, role: "img" });
    this.sample = el("select", { className: "sample", "aria-label": `${name} sample still` },
      el("option", { value: "", textContent: "sample still…" }),
      ...fixtures.map((f) => el("option", { value: f, textContent: f })));
    this.file = el("input", { type: "file", accept: "image/png,image/jpeg,image/webp,image/bmp",
      className: "file", "aria-label": `${name} from a file` });
    this.sample.addEventListener("change", () => this.pickSample());
    this.file.addEventListener("change", () => this.pickFile());
    this.input.addEventListener("change", () => this.previewFromUrl());
    this.node = el("div", { className: "image-picker" }, this.input,
      el("div", { className: "image-sources" }, this.sample, el("span", { className: "or" }, "or"), this.file),
      this.canvas);
  }

  async pickSample() {
    const name = this.sample.value;
    if (!name) return;
    this.file.value = "";
    this.input.value = fixtureUrl(name);
    this.onChange();
    await this.previewFromUrl();
  }

  async pickFile() {
    const file = this.file.files && this.file.files[0];
    if (!file) return;
    this.sample.value = "";
    this.input.value = await readAsDataUri(file);
    this.onChange();
    await this.preview(file);
  }

  /** A sample still's URL is previewed from the server; anything else is not fetched. */
  async previewFromUrl() {
    const match = /\/__mock\/fixtures\/([^/?#]+)$/.exec(this.input.value);
    if (!match) {
      if (!this.input.value.startsWith("data:")) this.canvas.hidden = true;
      return;
    }
    try {
      const res = await fetch(`/__mock/fixtures/${match[1]}`);
      if (res.ok) await this.preview(await res.blob());
    } catch {
      this.canvas.hidden = true;
    }
  }

  async preview(blob) {
    try {
      const bitmap = await createImageBitmap(blob);
      const scale = Math.min(160 / bitmap.width, 90 / bitmap.height);
      this.canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      this.canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      this.canvas.getContext("2d").drawImage(bitmap, 0, 0, this.canvas.width, this.canvas.height);
      this.canvas.hidden = false;
    } catch {
      this.canvas.hidden = true; // not an image the browser can decode; the server will say so
    }
  }

  set(value) {
    this.input.value = value ?? "";
    this.sample.value = "";
    this.previewFromUrl();
  }
}

function readAsDataUri(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}
