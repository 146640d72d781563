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

/** A one-time link for a role (and branch): whoever opens it in Telegram and confirms becomes staff. The branch is
 * picked from the programme's branches, when it has any (a cashier needs one, an admin may work everywhere). */
function invitation() {
  const role = h(
    "select",
    { name: "role" },
    ROLES.map((name) => h("option", { value: name }, name)),
  );
  const branch = h("select", { name: "branch" }, h("option", { value: "" }, "none (admins: everywhere)"));
  const branchField = labelled("Branch", branch);
  branchField.hidden = true;
  const branchError = h("span", { class: "field-error", "aria-live": "polite" });
  api
    .get("programme")
    .then(({ programme }) => {
      const places = programme.branches ?? [];
      branch.append(...places.map((place) => h("option", { value: place.id }, place.name || place.id)));
      branchField.hidden = places.length === 0;
    })
    .catch((error) => branchError.replaceChildren(error.message));
  const result = h("div", { class: "invitation", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "invite" },
    h("h3", {}, "Invite by link"),
    labelled("Role", role),
    branchField,
    branchError,
    h("button", { type: "submit" }, "Create an invitation link"),
    result,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    branchError.replaceChildren();
    try {
      const made = await api.post("invitations", { role: role.value, branch: branch.value || null });
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
      const wrong = error.errors?.find((problem) => problem.field === "branch");
      if (wrong) branchError.replaceChildren(wrong.message);
      result.replaceChildren(notice(error.message, "error"));
    }
  });
  return form;
}
