// The audit trail: who did what and when, filtered.

import { api } from "./api.js";
import { h, labelled, notice, periodPicker, table } from "./dom.js";
import { when } from "./programme.js";

export function audit() {
  const actor = h("input", { type: "text", name: "actor", inputmode: "numeric", placeholder: "user id" });
  const action = h("input", { type: "text", name: "action", placeholder: "staff, programme, member…" }); // matched by its start
  const period = periodPicker(30, () => load());
  const results = h("div", {});
  async function load() {
    try {
      const rows = await api.get("audit", {
        actor: actor.value.trim(),
        action: action.value.trim(),
        ...period.range(),
        limit: 200,
      });
      results.replaceChildren(
        table(
          rows,
          [
            ["When", (row) => when(row.at)],
            ["Who", (row) => row.actor_name || String(row.actor ?? "—")],
            ["What", (row) => row.action],
            ["Details", (row) => (typeof row.details === "string" ? row.details : JSON.stringify(row.details ?? ""))],
          ],
          "Nothing recorded for these filters.",
        ),
      );
    } catch (error) {
      results.replaceChildren(notice(error.message, "error"));
    }
  }
  const form = h(
    "form",
    { class: "filters" },
    labelled("Who", actor),
    labelled("Action", action),
    period.element,
    h("button", { type: "submit" }, "Filter"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  load();
  return h("div", {}, form, results);
}
