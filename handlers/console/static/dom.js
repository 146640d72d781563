// A few helpers for building the page's elements without a framework.

/** An element with attributes (on* keys become listeners) and children (strings become text). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (key === "text") element.textContent = value;
    else if (value === true) element.setAttribute(key, "");
    else element.setAttribute(key, String(value));
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

/** A table of `rows`, one column per [heading, cell(row)] pair; an empty list says so instead. */
export function table(rows, columns, empty = "Nothing here yet.") {
  if (rows.length === 0) return h("p", { class: "muted" }, empty);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          columns.map(([heading]) => h("th", { scope: "col" }, heading)),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((row) =>
          h(
            "tr",
            {},
            columns.map(([, cell]) => h("td", {}, cell(row))),
          ),
        ),
      ),
    ),
  );
}

let inputs = 0;

/** An input with its name above it; tied by id, so that a select's options do not join its name. */
export function labelled(name, input) {
  input.id ||= `input-${(inputs += 1)}`;
  return h("div", { class: "field" }, h("label", { class: "field-name", for: input.id }, name), input);
}

/** A status line that says what happened: role=status, or role=alert for errors. */
export function notice(message, kind = "ok") {
  return h("p", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
}

/** The plain text of the bot's HTML (the value card): parsed inertly, never inserted as markup. */
export function plainText(html) {
  return new DOMParser().parseFromString(html, "text/html").body.textContent ?? "";
}

// The programme's business day (YYYY-MM-DD) when the console opened, as /me gives it, and its zone: periods are
// counted in the shop's zone, and the browser's own date may be another day (an owner abroad, a phone set to another
// zone). A console left open moves on by the midnights that pass in the shop's zone, counted on the phone's clock.
let opened = null;

/** The date (YYYY-MM-DD) on the phone's clock in `zone`; null where the browser does not know the zone (an old
 * phone's time-zone data may lack a newer name). */
function dateIn(zone) {
  let parts;
  try {
    parts = new Intl.DateTimeFormat("en", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" });
  } catch {
    return null;
  }
  const { year, month, day } = Object.fromEntries(parts.formatToParts(new Date()).map((p) => [p.type, p.value]));
  return `${year}-${month}-${day}`;
}

/** Set once the console knows who is asking: the day `daysAgo` counts from, and the zone whose midnights move it. */
export function setToday(day, zone) {
  opened = { day, zone, local: dateIn(zone) };
}

/** YYYY-MM-DD `days` before the programme's today (the day the console opened on, where the zone is unknown). */
export function daysAgo(days) {
  const local = opened.local && dateIn(opened.zone);
  const passed = local ? Math.round((Date.parse(local) - Date.parse(opened.local)) / 86_400_000) : 0; // midnights
  const date = new Date(`${opened.day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + passed - days);
  return date.toISOString().slice(0, 10);
}

/** A labelled from–to pair of date inputs, starting `days` back; `.range()` reads them. */
export function periodPicker(days, onChange) {
  const from = h("input", { type: "date", name: "from", value: daysAgo(days), onchange: onChange });
  const to = h("input", { type: "date", name: "to", value: daysAgo(0), onchange: onChange });
  const element = h(
    "div",
    { class: "period", role: "group", "aria-label": "Period" },
    labelled("From", from),
    labelled("To", to),
  );
  return { element, range: () => ({ from: from.value, to: to.value }) };
}
