// Bar and line charts drawn as SVG: a few dozen points each, so a charting library would be mostly unused weight.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 360;
const HEIGHT = 180;
const PAD = { left: 40, right: 8, top: 8, bottom: 24 };
const PALETTE = ["var(--accent)", "#e8a33d", "#52a36b", "#c75b7a", "#7a6fd0", "#3fa7b5"];

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** A round upper bound for the axis: 1, 2 or 5 times a power of ten, at least the largest value. */
function niceMax(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((step) => step * power).find((bound) => bound >= value);
}

const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });

/**
 * A figure with a chart of `series` ([{name, values}]) over `labels`: grouped bars, or lines.
 * Every point also has a <title>, so the numbers are readable without hovering exactly.
 */
export function chart({ title, labels, series, kind = "bar" }) {
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const top = niceMax(Math.max(0, ...series.flatMap((one) => one.values)));
  const y = (value) => PAD.top + plotHeight * (1 - value / top);
  const slot = plotWidth / Math.max(labels.length, 1);
  const drawing = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": title });

  for (const fraction of [0, 0.5, 1]) {
    const at = y(top * fraction);
    drawing.append(
      svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: at, y2: at, class: "grid" }),
      svg("text", { x: PAD.left - 4, y: at + 4, "text-anchor": "end", class: "tick" }, compact.format(top * fraction)),
    );
  }
  if (labels.length === 0) {
    drawing.append(
      svg("text", { x: WIDTH / 2, y: HEIGHT / 2, "text-anchor": "middle", class: "tick" }, "Nothing in this period"),
    );
  }
  const every = Math.ceil(labels.length / 6);
  labels.forEach((label, index) => {
    if (index % every !== 0) return;
    const x = PAD.left + slot * (index + 0.5);
    drawing.append(svg("text", { x, y: HEIGHT - 6, "text-anchor": "middle", class: "tick" }, shortLabel(label)));
  });

  series.forEach((one, number) => {
    const colour = PALETTE[number % PALETTE.length];
    if (kind === "line") {
      const points = one.values.map((value, index) => [PAD.left + slot * (index + 0.5), y(value)]);
      drawing.append(
        svg("polyline", {
          points: points.map((p) => p.join(",")).join(" "),
          fill: "none",
          stroke: colour,
          "stroke-width": 2,
        }),
      );
      points.forEach(([cx, cy], index) => {
        const dot = svg("circle", { cx, cy, r: points.length > 31 ? 1.5 : 2.5, fill: colour });
        dot.append(svg("title", {}, `${one.name}, ${labels[index]}: ${one.values[index]}`));
        drawing.append(dot);
      });
      return;
    }
    const barWidth = (slot * 0.8) / series.length;
    one.values.forEach((value, index) => {
      const x = PAD.left + slot * (index + 0.1) + barWidth * number;
      const bar = svg("rect", {
        x,
        y: y(value),
        width: Math.max(barWidth - 1, 1),
        height: y(0) - y(value),
        fill: colour,
      });
      bar.append(svg("title", {}, `${one.name}, ${labels[index]}: ${value}`));
      drawing.append(bar);
    });
  });

  return figure(
    title,
    drawing,
    series.map((one) => one.name),
  );
}

/** A figure with one horizontal bar per label, named at its left and numbered at its end: for a few categories
 * whose names would not fit under upright bars on a phone. */
export function rows({ title, labels, values }) {
  const ROW = 22;
  const NAME = 96;
  const height = Math.max(labels.length, 1) * ROW + 4;
  const top = Math.max(1, ...values);
  const drawing = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-label": title });
  labels.forEach((label, index) => {
    const y = index * ROW + 2;
    const width = ((WIDTH - NAME - 48) * values[index]) / top;
    const bar = svg("rect", { x: NAME, y, width: Math.max(width, 1), height: ROW - 6, fill: PALETTE[0] });
    bar.append(svg("title", {}, `${label}: ${values[index]}`));
    drawing.append(
      svg(
        "text",
        { x: NAME - 6, y: y + ROW / 2 - 3, "text-anchor": "end", "dominant-baseline": "middle", class: "tick" },
        label,
      ),
      bar,
      svg(
        "text",
        { x: NAME + width + 4, y: y + ROW / 2 - 3, "dominant-baseline": "middle", class: "tick" },
        compact.format(values[index]),
      ),
    );
  });
  return figure(title, drawing, []);
}

function figure(title, drawing, names) {
  const element = document.createElement("figure");
  element.className = "chart";
  const caption = document.createElement("figcaption");
  caption.textContent = title;
  element.append(caption, drawing);
  if (names.length > 1) element.append(legend(names));
  return element;
}

function legend(names) {
  const list = document.createElement("ul");
  list.className = "legend";
  names.forEach((name, number) => {
    const item = document.createElement("li");
    item.style.setProperty("--swatch", PALETTE[number % PALETTE.length]);
    item.textContent = name;
    list.append(item);
  });
  return list;
}

/** "2026-11-30" reads as "30.11" under a chart; other labels are cut to fit. */
function shortLabel(label) {
  const day = /^\d{4}-(\d{2})-(\d{2})$/.exec(label);
  if (day) return `${day[2]}.${day[1]}`;
  return label.length > 10 ? `${label.slice(0, 9)}…` : label;
}
