// Member search by number, phone or name, opening the member's value card (the same as /member in chat).

import { api } from "./api.js";
import { h, notice, plainText, table } from "./dom.js";

export function members() {
  const query = h("input", {
    type: "search",
    name: "q",
    placeholder: "Number, phone or name",
    "aria-label": "Find a member",
  });
  const results = h("div", {});
  const card = h("div", { class: "card-slot" });
  async function open(member) {
    try {
      const found = await api.get(`members/${member.member_id}`);
      card.replaceChildren(
        h("article", { class: "value-card", "aria-label": "Value card" }, h("pre", {}, plainText(found.text))),
      );
      card.scrollIntoView({ block: "nearest" });
    } catch (error) {
      card.replaceChildren(notice(error.message, "error"));
    }
  }
  const form = h("form", { class: "search" }, query, h("button", { type: "submit" }, "Find"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    card.replaceChildren();
    try {
      const found = await api.get("members", { q: query.value.trim() });
      results.replaceChildren(
        table(
          found,
          [
            [
              "Number",
              (member) => h("button", { type: "button", class: "link", onclick: () => open(member) }, member.number),
            ],
            ["Name", (member) => member.name ?? "—"],
            ["Phone", (member) => member.phone ?? "—"],
          ],
          "No member matches.",
        ),
      );
    } catch (error) {
      results.replaceChildren(notice(error.message, "error"));
    }
  });
  return h("div", {}, form, results, card);
}
