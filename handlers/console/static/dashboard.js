// The dashboard: the programme's figures for a period the user picks, as tiles, charts and the campaigns' effects.

import { api } from "./api.js";
import { chart } from "./charts.js";
import { h, notice, periodPicker, table } from "./dom.js";

const number = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 });

export function dashboard() {
  const body = h("div", { class: "dashboard" });
  const period = periodPicker(90, () => load());
  async function load() {
    body.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    try {
      body.replaceChildren(...render(await api.get("dashboard", period.range())));
    } catch (error) {
      body.replaceChildren(notice(error.message, "error"));
    }
  }
  load();
  return h("div", {}, period.element, body);
}

function render(figures) {
  const weeks = figures.members_per_week;
  const latest = weeks.at(-1);
  return [
    h(
      "dl",
      { class: "tiles" },
      tile("Members", latest ? number.format(latest.members) : "—"),
      tile("Active share", percent.format(figures.active_share)),
      tile("Points outstanding", number.format(figures.points_outstanding)),
      tile("Their value", figures.points_value === null ? "—" : number.format(figures.points_value)),
      tile("Redemption rate", percent.format(figures.redemption_rate)),
    ),
    h(
      "div",
      { class: "charts" },
      chart({
        title: "Members per week",
        kind: "line",
        labels: weeks.map((week) => week.week),
        series: [{ name: "Members", values: weeks.map((week) => week.members) }],
      }),
      chart({
        title: "New members per week",
        labels: weeks.map((week) => week.week),
        series: [{ name: "New", values: weeks.map((week) => week.new) }],
      }),
      chart({
        title: "Segment sizes",
        labels: figures.segments.map((segment) => segment.name),
        series: [{ name: "Members", values: figures.segments.map((segment) => segment.size) }],
      }),
      salesChart(figures.sales_per_day),
      campaignChart(figures.campaigns),
    ),
    h("h3", {}, "Campaigns against their holdout"),
    table(
      figures.campaigns,
      [
        ["Campaign", (c) => c.title],
        ["Sent", (c) => number.format(c.sent)],
        ["Holdout", (c) => number.format(c.holdout)],
        ["Bought (sent)", (c) => rate(c.effect?.treated_rate)],
        ["Bought (holdout)", (c) => rate(c.effect?.holdout_rate)],
        ["Lift", (c) => rate(c.effect?.lift)],
      ],
      "No campaigns in this period.",
    ),
  ];
}

function tile(label, value) {
  return h("div", { class: "tile" }, h("dt", {}, label), h("dd", {}, value));
}

function rate(value) {
  return value === null || value === undefined ? "—" : percent.format(value);
}

/** Sales per day: one line per branch when there are branches, else one line. */
function salesChart(rows) {
  const days = [...new Set(rows.map((row) => row.day))].sort();
  const branches = [...new Set(rows.map((row) => row.branch ?? ""))].sort();
  const series = branches.map((branch) => {
    const amounts = new Map(
      rows.filter((row) => (row.branch ?? "") === branch).map((row) => [row.day, Number(row.amount)]),
    );
    return { name: branch || "Sales", values: days.map((day) => amounts.get(day) ?? 0) };
  });
  return chart({ title: "Sales per day", kind: "line", labels: days, series });
}

/** Each campaign's purchase rate among those who got it and among its holdout. */
function campaignChart(campaigns) {
  const measured = campaigns.filter((campaign) => campaign.effect);
  return chart({
    title: "Campaigns: bought within the effect window, %",
    labels: measured.map((campaign) => campaign.title),
    series: [
      { name: "Sent", values: measured.map((campaign) => 100 * (campaign.effect.treated_rate ?? 0)) },
      { name: "Holdout", values: measured.map((campaign) => 100 * (campaign.effect.holdout_rate ?? 0)) },
    ],
  });
}
