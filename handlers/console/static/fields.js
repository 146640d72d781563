// Forms generated from a description of the programme's JSON: each field renders from its value, reads back into a
// copy of it (keys the description does not name are kept as they were), and knows where its errors go.

import { h, labelled } from "./dom.js";

/** Field descriptions: what kind of input each value of the programme's JSON gets. */
export const text = (options = {}) => ({ type: "text", ...options });
export const integer = (options = {}) => ({ type: "int", ...options });
export const decimal = (options = {}) => ({ type: "decimal", ...options });
export const clock = (options = {}) => ({ type: "time", ...options });
export const day = (options = {}) => ({ type: "date", optional: true, ...options });
export const choice = (options, extra = {}) => ({ type: "select", options, ...extra });
export const words = (options = {}) => ({ type: "words", ...options });
export const local = (options = {}) => ({ type: "local", ...options });
export const group = (fields, options = {}) => ({ type: "group", fields, ...options });
/** A list of items; `fresh()` is a new item, `title(item, fresh)` names one, and `retire()` (if given) is the date
 * from which a saved item stops, offered instead of removing it. */
export const repeat = (item, options) => ({ type: "repeat", item, ...options });

const INTEGER = /^-?\d+$/;

/**
 * A form over `value` as `description` says; `errors` maps each field's path ("offers.0.title.en") to the place
 * its error message goes. Returns {element, read()}.
 */
export function field(description, value, path, context) {
  const render = { group: groupField, repeat: repeatField, local: localField }[description.type] ?? inputField;
  return render(description, value, path, context);
}

function label(key, description) {
  if (description.label) return description.label;
  const words = key.replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function errorSlot(path, context) {
  const slot = h("span", { class: "field-error", id: `error-${path.replaceAll(".", "-")}`, "aria-live": "polite" });
  context.errors.set(path, slot);
  return slot;
}

function inputField(description, value, path, context) {
  const key = path.split(".").at(-1);
  const slot = errorSlot(path, context);
  const common = { name: path, disabled: context.readOnly, "aria-describedby": slot.id };
  let input;
  if (description.type === "select") {
    const options = description.optional ? ["", ...description.options] : description.options;
    input = h(
      "select",
      common,
      options.map((option) => h("option", { value: option, selected: option === (value ?? "") }, option || "—")),
    );
  } else {
    const shown = description.type === "words" ? (value ?? []).join(", ") : (value ?? "");
    const types = { time: "time", date: "date" };
    input = h("input", {
      ...common,
      type: types[description.type] ?? "text",
      step: description.type === "time" ? 1 : undefined,
      inputmode: { int: "numeric", decimal: "decimal" }[description.type],
      value: shown,
    });
  }
  // The error sits outside the label, so that it describes the input (aria-describedby) without renaming it.
  const element = h("div", { class: "input" }, labelled(label(key, description), input), slot);
  return { element, read: () => parse(description, input.value) };
}

/** The typed value of an input; what cannot be read as its type goes to the server as typed, to be refused there. */
function parse(description, raw) {
  const value = raw.trim();
  if (value === "" && description.optional) return null;
  if (description.type === "words")
    return value === ""
      ? []
      : value
          .split(",")
          .map((word) => word.trim())
          .filter(Boolean);
  if (description.type === "int" && INTEGER.test(value)) return Number(value);
  if (description.type === "time" && /^\d{2}:\d{2}$/.test(value)) return `${value}:00`;
  return value;
}

function localField(description, value, path, context) {
  const both = group({ en: text({ label: "English" }), ru: text({ label: "Russian" }) }, description);
  return groupField(both, value ?? { en: "", ru: "" }, path, context);
}

function groupField(description, value, path, context) {
  const key = path.split(".").at(-1);
  const parts = Object.entries(description.fields).map(([name, inner]) => [
    name,
    field(inner, value?.[name], path ? `${path}.${name}` : name, context),
  ]);
  // A section's heading already names it (legend: null); a nested group or an item of a list has its own legend.
  const legend =
    description.legend === null ? null : description.legend ? description.legend(value) : label(key, description);
  const element = h(
    "fieldset",
    { class: `group ${description.type}`, "aria-label": description.name },
    legend ? h("legend", {}, legend) : null,
    path ? errorSlot(path, context) : null,
    parts.map(([, part]) => part.element),
  );
  function read() {
    const result = { ...(value ?? {}) };
    const reads = parts.map(([name, part]) => [name, part.read()]);
    // An optional group left blank (no quiet hours) is absent, not a group of empty values.
    if (description.optional && reads.every(([, one]) => one === null || one === "")) return null;
    for (const [name, one] of reads) {
      if (one === null && description.fields[name].optional) delete result[name];
      else result[name] = one;
    }
    return result;
  }
  // A field that only some items use (`when`: a discount's percent) shows only while the item uses it; hidden, it
  // keeps its value.
  const conditional = parts.filter(([name]) => description.fields[name].when);
  function showWhatApplies() {
    const now = read();
    for (const [name, part] of conditional) part.element.hidden = !description.fields[name].when(now);
  }
  if (conditional.length) {
    element.addEventListener("change", showWhatApplies);
    showWhatApplies();
  }
  return { element, read };
}

function repeatField(description, values, path, context) {
  const list = h("div", { class: "items" });
  let items = [];
  // Removing an item renumbers the ones after it, as the server will: the list is drawn again from what is typed.
  function draw(entries) {
    for (const known of [...context.errors.keys()]) if (known.startsWith(`${path}.`)) context.errors.delete(known);
    // Each item folds under its title, so that a phone shows the list first; a new item opens unfolded.
    items = entries.map(({ item, fresh }, index) => {
      const title = description.title(item, fresh);
      const inner = field({ ...description.item, legend: null, name: title }, item, `${path}.${index}`, context);
      if (!context.readOnly) inner.element.append(itemButton(description, inner, fresh, () => remove(index)));
      list.append(h("details", { class: "item", open: fresh }, h("summary", {}, title), inner.element));
      return { inner, fresh };
    });
  }
  function current() {
    return items.map(({ inner, fresh }) => ({ item: inner.read(), fresh }));
  }
  function remove(index) {
    const kept = current().filter((_, at) => at !== index);
    list.replaceChildren();
    draw(kept);
  }
  draw((values ?? []).map((item) => ({ item, fresh: false })));
  const add = context.readOnly
    ? null
    : h(
        "button",
        {
          type: "button",
          onclick: () => {
            const entries = [...current(), { item: description.fresh(), fresh: true }];
            list.replaceChildren();
            draw(entries);
            list.lastElementChild?.querySelector("input, select")?.focus();
          },
        },
        description.addLabel,
      );
  const element = h("div", { class: "repeat" }, errorSlot(path, context), list, add);
  return { element, read: () => items.map(({ inner }) => inner.read()) };
}

/** Remove an item; an item the list says may be retired (a saved offer) is closed from yesterday instead. */
function itemButton(description, inner, fresh, remove) {
  if (!description.retire || fresh)
    return h("button", { type: "button", class: "secondary", onclick: remove }, "Remove");
  return h(
    "button",
    {
      type: "button",
      class: "secondary",
      onclick: () => {
        const until = inner.element.querySelector('[name$=".available_until"]');
        until.value = description.retire();
        inner.element.closest(".item").classList.add("retired");
      },
    },
    "Retire",
  );
}
