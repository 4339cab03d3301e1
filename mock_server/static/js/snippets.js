// "Copy as curl" and "Copy as Python": the request the Generate button would send, for a terminal or a
// script. The URL is this server's own (the page's origin), the body is the form's values.

function shellQuote(text) {
  return "'" + text.replace(/'/g, "'\\''") + "'";
}

export function curlSnippet(origin, modelId, token, body) {
  return [
    `curl -s -X POST ${shellQuote(`${origin}/v1/models/${modelId}`)}`,
    `  -H ${shellQuote(`Authorization: Bearer ${token}`)}`,
    "  -H 'Content-Type: application/json'",
    `  -d ${shellQuote(JSON.stringify(body))}`,
  ].join(" \\\n");
}

/** A JSON value as a Python literal (True/False/None; strings through JSON, which Python reads too). */
export function pyLiteral(value, indent = 0) {
  const pad = " ".repeat(indent + 4);
  const end = " ".repeat(indent);
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number" || typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (!value.length) return "[]";
    return `[\n${value.map((v) => pad + pyLiteral(v, indent + 4)).join(",\n")},\n${end}]`;
  }
  const entries = Object.entries(value);
  if (!entries.length) return "{}";
  return `{\n${entries.map(([k, v]) => `${pad}${JSON.stringify(k)}: ${pyLiteral(v, indent + 4)}`).join(",\n")},\n${end}}`;
}

export function pythonSnippet(origin, modelId, token, body) {
  return [
    "import httpx",
    "",
    "response = httpx.post(",
    `    ${JSON.stringify(`${origin}/v1/models/${modelId}`)},`,
    `    headers={"Authorization": ${JSON.stringify(`Bearer ${token}`)}},`,
    `    json=${pyLiteral(body, 4)},`,
    ")",
    "print(response.status_code, response.json())",
    "",
  ].join("\n");
}
