// The price line and the cost estimate, from a catalog entry and the form's values.
// Prices are per second of video, with and without audio; which input turns audio on is read from the
// model's input_schema (a boolean such as `sound` or `generate_audio`), so the page follows the catalog.

import { usd } from "./dom.js";

const AUDIO_NAMES = ["sound", "generate_audio", "audio"];

function rates(entry) {
  const per = entry.price_usd_per_second;
  if (per && typeof per === "object") return { noAudio: per.no_audio, audio: per.audio ?? per.no_audio };
  return { noAudio: entry.base_price_usd, audio: entry.base_price_usd };
}

/** "$0.084 per second without audio, $0.126 with audio" */
export function priceLine(entry) {
  const r = rates(entry);
  if (r.noAudio === undefined || r.noAudio === null) return "";
  return `${usd(r.noAudio)} per second without audio, ${usd(r.audio)} with audio`;
}

/** The name of the boolean input that turns audio on, if the model has one. */
export function audioInput(schema) {
  const props = (schema && schema.properties) || {};
  const named = AUDIO_NAMES.find((name) => props[name] && props[name].type === "boolean");
  if (named) return named;
  return Object.keys(props).find(
    (name) => props[name].type === "boolean" && /audio|sound/i.test(props[name].description || ""),
  );
}

function effective(schema, values, name, fallback) {
  if (values[name] !== undefined) return values[name];
  const prop = (schema.properties || {})[name];
  return prop && prop.default !== undefined ? prop.default : fallback;
}

/** {usd, seconds, audio, rate} of the job the form describes, at the catalog's prices. */
export function estimate(entry, values) {
  const schema = entry.input_schema || {};
  const seconds = Number(effective(schema, values, "duration", 5));
  const flag = audioInput(schema);
  const audio = flag ? Boolean(effective(schema, values, flag, false)) : false;
  const r = rates(entry);
  const rate = audio ? r.audio : r.noAudio;
  return { usd: Math.round(rate * seconds * 1e6) / 1e6, seconds, audio, rate };
}

export function estimateLine(entry, values) {
  const e = estimate(entry, values);
  if (!Number.isFinite(e.usd)) return "";
  return `Estimated cost: ${usd(e.usd)} (${e.seconds} s × ${usd(e.rate)} per second, ${e.audio ? "with" : "no"} audio)`;
}
