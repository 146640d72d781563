// Every request to the console's API carries Telegram's initData: the server checks it and reads the role.

import { initData } from "./telegram.js";

const BASE = new URL("api/", document.baseURI);

/** A refused or failed request: the server's {"error"} or its 422 {"errors": [{field, message}]}. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? (body?.errors ? "Some values need fixing." : `The server answered ${status}.`));
    this.status = status;
    this.errors = body?.errors ?? [];
  }
}

function address(path, query) {
  const url = new URL(path, BASE);
  for (const [key, value] of Object.entries(query ?? {}))
    if (value !== "" && value != null) url.searchParams.set(key, value);
  return url;
}

async function send(method, path, { query, json, text } = {}) {
  const headers = { Authorization: `tma ${initData}` };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (text !== undefined) {
    headers["Content-Type"] = "text/plain; charset=utf-8";
    body = text;
  }
  const response = await fetch(address(path, query), { method, headers, body });
  if (!response.ok) {
    const problem = await response.json().catch(() => null);
    throw new ApiError(response.status, problem);
  }
  return response;
}

async function parsed(response) {
  return response.status === 204 ? null : response.json();
}

export const api = {
  get: async (path, query) => parsed(await send("GET", path, { query })),
  post: async (path, json) => parsed(await send("POST", path, { json })),
  postText: async (path, text) => parsed(await send("POST", path, { text })),
  put: async (path, json) => parsed(await send("PUT", path, { json })),
  patch: async (path, json) => parsed(await send("PATCH", path, { json })),
  delete: async (path) => parsed(await send("DELETE", path)),
};

/** Download a file the API sends (the header carries initData, so a plain link cannot): fetch, then save the Blob. */
export async function download(path, query, filename) {
  const response = await send("GET", path, { query });
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
