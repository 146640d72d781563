// Staff: who they are and their roles; an owner changes a role, removes someone, or invites by a one-time link.

import { api } from "./api.js";
import { h, labelled, notice, table } from "./dom.js";

const ROLES = ["cashier", "admin"]; // owners are the bot's ADMIN_IDS: not given or taken here

/** A person's name, or their Telegram id while they have never given the bot a name. */
const who = (person) => person.name || `User ${person.user_id}`;

export function staff(me) {
  const list = h("div", {});
  const status = h("div", {});
  async function load() {
    try {
      const people = await api.get("staff");
      list.replaceChildren(
        table(people, [
          ["Name", who],
          ["Role", (person) => roleSelect(person)],
          ["Branch", (person) => person.branch ?? "—"],
          [
            "",
            (person) => (person.user_id === me.user_id ? "you" : person.role === "owner" ? "" : removeButton(person)),
          ],
        ]),
      );
    } catch (error) {
      list.replaceChildren(notice(error.message, "error"));
    }
  }
  async function act(change, done) {
    try {
      await change();
      status.replaceChildren(notice(done));
    } catch (error) {
      status.replaceChildren(notice(error.message, "error"));
    }
    await load();
  }
  function roleSelect(person) {
    if (person.role === "owner") return "owner";
    const select = h(
      "select",
      {
        "aria-label": `Role of ${who(person)}`,
        onchange: () =>
          act(
            () => api.patch(`staff/${person.user_id}`, { role: select.value }),
            `${who(person)} is now ${select.value === "admin" ? "an" : "a"} ${select.value}.`,
          ),
      },
      ROLES.map((role) => h("option", { value: role, selected: role === person.role }, role)),
    );
    return select;
  }
  function removeButton(person) {
    return h(
      "button",
      {
        type: "button",
        class: "secondary",
        onclick: () => {
          if (confirm(`Remove ${who(person)} from the staff?`))
            act(() => api.delete(`staff/${person.user_id}`), `${who(person)} is no longer staff.`);
        },
      },
      "Remove",
    );
  }
  load();
  return h("div", {}, status, list, invitation());
}

/** A one-time link for a role (and branch): whoever opens it in Telegram and confirms becomes staff. */
function invitation() {
  const role = h(
    "select",
    { name: "role" },
    ROLES.map((name) => h("option", { value: name }, name)),
  );
  const branch = h("input", { name: "branch", type: "text", placeholder: "any" });
  const result = h("div", { class: "invitation", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "invite" },
    h("h3", {}, "Invite by link"),
    labelled("Role", role),
    labelled("Branch", branch),
    h("button", { type: "submit" }, "Create an invitation link"),
    result,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const made = await api.post("invitations", { role: role.value, branch: branch.value.trim() || null });
      const link = h("input", { type: "text", readonly: true, value: made.link, "aria-label": "Invitation link" });
      const copy = h(
        "button",
        {
          type: "button",
          onclick: async () => {
            link.select();
            await navigator.clipboard?.writeText(made.link).catch(() => document.execCommand("copy"));
            copy.textContent = "Copied";
          },
        },
        "Copy",
      );
      result.replaceChildren(
        h("div", { class: "link-row" }, link, copy),
        h(
          "p",
          { class: "muted" },
          `Valid once, until ${new Date(made.expires_at).toLocaleString("en-GB")}. Send it to the new ${role.value}.`,
        ),
      );
    } catch (error) {
      result.replaceChildren(notice(error.message, "error"));
    }
  });
  return form;
}
