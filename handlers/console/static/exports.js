// CSV files for the accountant: members, ledger entries and purchases for a period.

import { download } from "./api.js";
import { h, notice, periodPicker } from "./dom.js";

const FILES = [
  ["members", "Members"],
  ["ledger", "Ledger entries"],
  ["purchases", "Purchases"],
];

export function exports() {
  const period = periodPicker(30, () => {});
  const status = h("div", {});
  const button = ([name, title]) =>
    h(
      "button",
      {
        type: "button",
        onclick: async () => {
          const { from, to } = period.range();
          try {
            await download(`export/${name}.csv`, { from, to }, `${name}-${from}-${to}.csv`);
            status.replaceChildren(notice(`${title}: downloaded.`));
          } catch (error) {
            status.replaceChildren(notice(error.message, "error"));
          }
        },
      },
      `${title} (CSV)`,
    );
  return h("div", {}, period.element, h("div", { class: "downloads" }, FILES.map(button)), status);
}
