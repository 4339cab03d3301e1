// Small DOM helpers: elements are built with properties and text only (never innerHTML), so whatever
// a server or a user typed is shown as text and cannot inject markup.

/** el("p", {className: "hint"}, "text", child) */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("aria-") || key === "role" || key === "for") node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function byId(id) {
  return document.getElementById(id);
}

/** Replace a node's children. */
export function fill(node, ...children) {
  node.replaceChildren(...children.filter((c) => c !== undefined && c !== null && c !== false));
}

/** A description list from [term, value] pairs; a value may be a string or a node. */
export function facts(node, pairs) {
  fill(node, ...pairs.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]));
}

/** "$0.084"; three decimals where a price needs them, two where they are enough ("$0.42"). */
export function usd(value) {
  if (value === null || value === undefined) return "unlimited";
  const three = Number(value).toFixed(3);
  return "$" + (three.endsWith("0") ? Number(value).toFixed(2) : three);
}

export function seconds(value, digits = 1) {
  return `${Number(value).toFixed(digits)} s`;
}
