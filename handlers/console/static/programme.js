// The programme: its sections as forms (owners save a new version, admins look), its versions, and its TOML.

import { ApiError, api, download } from "./api.js";
import { h, notice, table } from "./dom.js";
import { field } from "./fields.js";
import { HEADINGS, SECTIONS } from "./programme-sections.js";

export function programme(me) {
  const readOnly = me.role !== "owner";
  const element = h("div", { class: "programme" });
  async function load(message) {
    element.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    try {
      const [current, versions] = await Promise.all([api.get("programme"), api.get("programme/versions")]);
      element.replaceChildren(
        ...(message ? [message] : []),
        editor(current, readOnly, load),
        files(readOnly, load),
        history(versions, current.version, readOnly, load),
      );
    } catch (error) {
      element.replaceChildren(notice(error.message, "error"));
    }
  }
  load();
  return element;
}

/** The programme's sections as one form; saving sends the whole programme, as a new version, or shows its errors. */
function editor(current, readOnly, reload) {
  const context = { errors: new Map(), readOnly };
  const sections = Object.entries(SECTIONS).map(([key, description]) => {
    const part = field({ ...description, legend: null }, current.programme[key], key, context);
    const heading = h("summary", {}, HEADINGS[key]);
    return [key, part, h("details", { class: "section", open: key === "offers" }, heading, part.element)];
  });
  const summary = h("div", { class: "form-errors", role: "alert" });
  const header = h(
    "p",
    { class: "muted" },
    `Version ${current.version}, saved ${when(current.created_at)} by ${author(current.created_by)}.`,
  );
  const form = h(
    "form",
    { class: "programme-form", novalidate: true },
    header,
    summary,
    sections.map(([, , section]) => section),
    readOnly
      ? h("p", { class: "muted" }, "Only an owner can change the programme.")
      : h("div", { class: "save-bar" }, h("button", { type: "submit" }, "Save as a new version")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(context, summary);
    const edited = { ...current.programme };
    for (const [key, part] of sections) edited[key] = part.read();
    try {
      const saved = await api.put("programme", { programme: edited });
      await reload(notice(`Saved as version ${saved.version}.`));
    } catch (error) {
      showErrors(error, context, summary);
    }
  });
  return form;
}

function clearErrors(context, summary) {
  summary.replaceChildren();
  for (const slot of context.errors.values()) {
    slot.textContent = "";
    slot.closest(".input")?.querySelector("input, select")?.removeAttribute("aria-invalid");
  }
}

/** Each of a 422's errors next to its field (or the nearest enclosing part of the form); anything else on top. */
function showErrors(error, context, summary) {
  if (!(error instanceof ApiError) || error.errors.length === 0) {
    summary.replaceChildren(notice(error.message, "error"));
    return;
  }
  const count = error.errors.length === 1 ? "one value needs" : `${error.errors.length} values need`;
  summary.replaceChildren(notice(`Nothing was saved: ${count} fixing.`, "error"));
  for (const { field: path, message } of error.errors) {
    const slot = nearestSlot(context, path ?? "");
    if (!slot) {
      summary.append(notice(path ? `${path}: ${message}` : message, "error"));
      continue;
    }
    slot.textContent = slot.textContent ? `${slot.textContent} ${message}` : message;
    slot.closest(".input")?.querySelector("input, select")?.setAttribute("aria-invalid", "true");
    slot.closest("[hidden]")?.removeAttribute("hidden"); // a field the item's kind hides, yet the error is there
    for (let fold = slot.closest("details"); fold; fold = fold.parentElement?.closest("details")) fold.open = true;
  }
  [...context.errors.values()].find((slot) => slot.textContent)?.scrollIntoView({ block: "center" });
}

function nearestSlot(context, path) {
  const parts = path.split(".");
  for (let length = parts.length; length > 0; length -= 1) {
    const slot = context.errors.get(parts.slice(0, length).join("."));
    if (slot) return slot;
  }
  return null;
}

/** Download the programme as TOML; an owner may upload a TOML file as a new version. */
function files(readOnly, reload) {
  const status = h("div", { class: "upload-status" });
  const upload = h("input", {
    type: "file",
    accept: ".toml,text/plain",
    onchange: async () => {
      const [file] = upload.files;
      if (!file) return;
      try {
        const saved = await api.postText("programme.toml", await file.text());
        await reload(notice(`Uploaded as version ${saved.version}.`));
      } catch (error) {
        status.replaceChildren(
          notice(error.message, "error"),
          ...(error.errors?.map(({ field: path, message }) => notice(`${path}: ${message}`, "error")) ?? []),
        );
      }
    },
  });
  return h(
    "section",
    { class: "files", "aria-label": "Programme file" },
    h("h3", {}, "Programme file"),
    h(
      "button",
      {
        type: "button",
        onclick: () =>
          download("programme.toml", {}, "programme.toml").catch((error) =>
            status.replaceChildren(notice(error.message, "error")),
          ),
      },
      "Download TOML",
    ),
    readOnly ? null : h("label", { class: "upload" }, "Upload TOML ", upload),
    status,
  );
}

function history(versions, currentVersion, readOnly, reload) {
  const status = h("div", {});
  const restore = async (version) => {
    try {
      const restored = await api.post(`programme/versions/${version}/restore`);
      await reload(notice(`Version ${version} restored as version ${restored.version}.`));
    } catch (error) {
      status.replaceChildren(notice(error.message, "error"));
    }
  };
  const action = (row) => {
    if (row.version === currentVersion) return "current";
    if (readOnly) return "";
    return h(
      "button",
      { type: "button", class: "secondary", onclick: () => restore(row.version) },
      `Restore ${row.version}`,
    );
  };
  return h(
    "section",
    { class: "versions", "aria-label": "Versions" },
    h("h3", {}, "Versions"),
    status,
    table(versions, [
      ["Version", (row) => String(row.version)],
      ["Saved", (row) => when(row.created_at)],
      ["By", (row) => author(row.created_by)],
      ["", action],
    ]),
  );
}

/** Who saved a version: a user id, or nobody when the programme file seeded it. */
function author(userId) {
  return userId === null || userId === undefined ? "the programme file" : `user ${userId}`;
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }) : "—";
}
