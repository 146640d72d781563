// The console's shell: Telegram's hand-off (initData, theme, ready/expand), who is asking, and one tab per section
// the role may open.

import { api } from "./api.js";
import { audit } from "./audit.js";
import { dashboard } from "./dashboard.js";
import { h, notice, setToday } from "./dom.js";
import { exports } from "./exports.js";
import { members } from "./members.js";
import { programme } from "./programme.js";
import { staff } from "./staff.js";
import { ready, themeParams } from "./telegram.js";

const EVERYONE = ["owner", "admin", "cashier"];
const MANAGERS = ["owner", "admin"];
const SECTIONS = [
  { id: "dashboard", title: "Dashboard", roles: MANAGERS, build: dashboard },
  { id: "programme", title: "Programme", roles: MANAGERS, build: programme },
  { id: "members", title: "Members", roles: EVERYONE, build: members },
  { id: "staff", title: "Staff", roles: ["owner"], build: staff },
  { id: "audit", title: "Audit", roles: MANAGERS, build: audit },
  { id: "exports", title: "Exports", roles: ["owner"], build: exports },
];

const REFUSALS = {
  401: "Open the console again from the bot's menu in Telegram: this page was not opened there, or over an hour ago.",
  403: "The console is for the programme's staff.",
};

/** Telegram's theme as the CSS variables style.css reads (--tg-theme-bg-color, ...). */
function applyTheme() {
  for (const [key, value] of Object.entries(themeParams())) {
    if (typeof value === "string")
      document.documentElement.style.setProperty(`--tg-theme-${key.replaceAll("_", "-")}`, value);
  }
}

function start() {
  applyTheme();
  const main = document.getElementById("main");
  api
    .get("me")
    .then((me) => shell(me, main))
    .catch((error) => main.replaceChildren(notice(REFUSALS[error.status] ?? error.message, "error")))
    .finally(ready);
}

function shell(me, main) {
  setToday(me.today, me.timezone);
  const allowed = SECTIONS.filter((section) => section.roles.includes(me.role));
  document.getElementById("who").textContent = `${me.name} · ${me.role}${me.branch ? ` · ${me.branch}` : ""}`;
  const tabs = h("nav", { class: "tabs", role: "tablist", "aria-label": "Sections" });
  const panel = h("section", { class: "panel", role: "tabpanel" });
  const buttons = allowed.map((section) =>
    h(
      "button",
      { type: "button", role: "tab", id: `tab-${section.id}`, "aria-selected": "false", onclick: () => show(section) },
      section.title,
    ),
  );
  function show(section) {
    buttons.forEach((button) => button.setAttribute("aria-selected", String(button.id === `tab-${section.id}`)));
    panel.setAttribute("aria-labelledby", `tab-${section.id}`);
    panel.replaceChildren(h("h2", {}, section.title), section.build(me));
  }
  tabs.append(...buttons);
  main.replaceChildren(tabs, panel);
  show(allowed[0]);
}

start();
