// Per-slice P(any) as an SVG bar chart with the threshold drawn; a click on a bar picks that slice.

import { isAssessed } from "./summary.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 320, HEIGHT = 130, TOP = 8, BOTTOM = 18;
const PLOT = HEIGHT - TOP - BOTTOM;

function element(name, attributes, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  parent?.appendChild(node);
  return node;
}

const yOf = (p) => TOP + PLOT * (1 - p);

// slices: [{probability, flagged, assessed}]; assessed false or probability null: the service did not judge it.
export function drawChart(svg, slices, threshold, onPick) {
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  const step = WIDTH / Math.max(slices.length, 1);
  slices.forEach((slice, index) => {
    const group = element("g", { "data-index": index, class: "slice" }, svg);
    element("rect", { x: index * step, y: TOP, width: step, height: PLOT, class: "hit" }, group);
    const assessed = isAssessed(slice);
    const p = assessed ? slice.probability : 1;
    const kind = !assessed ? "not-assessed" : slice.flagged ? "flagged" : "normal";
    const gap = step > 4 ? 1 : 0;
    element("rect", { x: index * step + gap / 2, y: yOf(p), width: step - gap, height: PLOT * p, class: `bar ${kind}` }, group);
    const label = assessed ? `P(any) ${slice.probability.toFixed(3)}` : "not assessed";
    element("title", {}, group).textContent = `Slice index ${index}: ${label}`;
  });
  if (typeof threshold === "number") {
    element("line", { x1: 0, x2: WIDTH, y1: yOf(threshold), y2: yOf(threshold), class: "threshold" }, svg);
    const text = element("text", { x: WIDTH - 2, y: yOf(threshold) - 3, class: "threshold-label" }, svg);
    text.textContent = `threshold ${threshold.toFixed(3)}`;
  }
  element("text", { x: 0, y: HEIGHT - 4, class: "axis" }, svg).textContent = "0";
  element("text", { x: WIDTH, y: HEIGHT - 4, class: "axis end" }, svg).textContent = String(slices.length - 1);
  svg.onclick = (event) => {
    const group = event.target.closest("[data-index]");
    if (group) onPick(Number(group.dataset.index));
  };
}

export function markCurrent(svg, index) {
  for (const group of svg.querySelectorAll("g.slice")) {
    group.classList.toggle("current", Number(group.dataset.index) === index);
  }
}
