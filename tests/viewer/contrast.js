// WCAG 2 contrast ratio of each element's text against the first opaque background behind it.
const rgb = (css) => css.match(/[\d.]+/g).map(Number);
const luminance = ([r, g, b]) => {
  const linear = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
};
const background = (node) => {
  for (; node; node = node.parentElement) {
    const colour = rgb(getComputedStyle(node).backgroundColor);
    if (colour.length === 3 || colour[3] === 1) return colour.slice(0, 3);
  }
  return [255, 255, 255];
};
return arguments[0].map((selector) => {
  const node = document.querySelector(selector);
  const [a, b] = [luminance(rgb(getComputedStyle(node).color)), luminance(background(node))];
  return [selector, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
});
