// The dashboard: the programme's figures for a period the user picks, as tiles, charts and the campaigns' effects.

import { api } from "./api.js";
import { chart, rows } from "./charts.js";
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
  const freshness = h("p", { class: "muted" }, "Figures may be up to half a minute old.");
  return h("div", {}, period.element, body, freshness);
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
      rows({
        title: "Segment sizes",
        labels: figures.segments.map((segment) => segment.name),
        values: figures.segments.map((segment) => segment.size),
      }),
      salesChart(figures),
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

/** Sales per day, every day of the period (none: 0): one line per branch when there are branches, else one. */
function salesChart({ from, to, sales_per_day: sales }) {
  const days = [];
  for (
    let day = new Date(`${from}T00:00:00Z`);
    day.toISOString().slice(0, 10) <= to;
    day.setUTCDate(day.getUTCDate() + 1)
  ) {
    days.push(day.toISOString().slice(0, 10));
  }
  const branches = [...new Set(sales.map((row) => row.branch ?? ""))].sort();
  const series = branches.map((branch) => {
    const mine = sales.filter((row) => (row.branch ?? "") === branch);
    const amounts = new Map(mine.map((row) => [row.day, Number(row.amount)]));
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
