// The programme's sections as forms: which input each value of the programme's JSON gets (the model is
// models/core/programme.py; the server validates with it, so these only shape the inputs).

import { daysAgo } from "./dom.js";
import { choice, clock, day, decimal, group, integer, local, repeat, text, words } from "./fields.js";

/** Shown only for offers of these kinds (the model refuses the others' values, or ignores them). */
const kind =
  (...kinds) =>
  (offer) =>
    kinds.includes(offer.kind);

const notCollection = (offer) => offer.kind !== "collection"; // a collection fills up from purchases

const offerTitle = (offer, fresh) => {
  const name = offer.title?.en || offer.id;
  const retired = offer.available_until && offer.available_until < daysAgo(0);
  return fresh ? "New offer" : retired ? `${name} (retired)` : name;
};

/** What each section of the programme's JSON looks like in the form (the model in models/core/programme.py). */
export const SECTIONS = {
  offers: repeat(
    group({
      id: text({ label: "Id" }),
      kind: choice(["reward", "gift", "access", "collection", "discount"]),
      title: local(),
      description: local(),
      points_cost: integer({ when: notCollection }),
      business_cost: decimal(),
      value: decimal(),
      discount_percent: integer({ optional: true, when: kind("discount") }),
      segments: words(),
      tiers: words(),
      categories: words(),
      valid_days: integer(),
      per_member_limit: integer(),
      limit_days: integer({ optional: true }),
      points_mode: choice(["spend", "reserve"], { when: notCollection }),
      available_from: day(),
      available_until: day(),
      occasion: choice(["birthday"], { optional: true, when: notCollection }),
      collection_items: words({ when: kind("collection") }),
      completion_points: integer({ when: kind("collection") }),
      min_purchase: decimal({ when: kind("collection") }),
    }),
    {
      addLabel: "Add an offer",
      title: offerTitle,
      retire: () => daysAgo(1),
      fresh: () => ({
        id: "",
        kind: "gift",
        title: { en: "", ru: "" },
        description: { en: "", ru: "" },
        points_cost: 0,
        business_cost: "0",
        value: "0",
        valid_days: 14,
        per_member_limit: 1,
        points_mode: "spend",
        completion_points: 0,
        min_purchase: "0",
      }),
    },
  ),
  tiers: group({
    window_days: integer(),
    levels: repeat(
      group({
        name: text(),
        title: local(),
        threshold: decimal(),
        multiplier: decimal(),
        perks: repeat(local(), {
          addLabel: "Add a perk",
          title: (perk) => perk.en || "New perk",
          fresh: () => ({ en: "", ru: "" }),
        }),
      }),
      {
        addLabel: "Add a tier",
        title: (tier) => tier.title?.en || tier.name || "New tier",
        fresh: () => ({ name: "", title: { en: "", ru: "" }, threshold: "0", multiplier: "1", perks: [] }),
      },
    ),
  }),
  bonuses: group({
    welcome: integer(),
    birthday: integer(),
    referral_inviter: integer(),
    referral_invitee: integer(),
    referral_min_purchase: decimal(),
  }),
  earning: group({
    points_per_100: decimal({ label: "Points per 100 spent" }),
    rounding: choice(["down", "half_up"]),
    max_sale: decimal(),
  }),
  marketing: group({
    quiet_hours: group({ start: clock(), end: clock() }, { optional: true }),
    frequency_cap: group({ messages: integer(), days: integer() }, { optional: true }),
    effect_days: integer(),
  }),
  automations: repeat(
    group({
      kind: choice(["birthday", "expiring_points", "win_back"]),
      at: clock(),
      text: local(),
      offer: text({ optional: true }),
    }),
    {
      addLabel: "Add an automation",
      title: (automation) => `Automation: ${automation.kind ?? "new"}`,
      fresh: () => ({ kind: "birthday", at: "10:00:00", text: { en: "", ru: "" } }),
    },
  ),
  expiry: group({ days: integer(), remind_days_before: integer() }),
  staff: group(
    { max_sale: decimal(), points_per_day: integer(), refund_window_days: integer() },
    { label: "Cashiers' limits" },
  ),
};

export const HEADINGS = {
  offers: "Offers",
  tiers: "Tiers",
  bonuses: "Bonuses",
  earning: "Earning rate",
  marketing: "Quiet hours and frequency cap",
  automations: "Automations",
  expiry: "Expiry",
  staff: "Cashiers' limits",
};
