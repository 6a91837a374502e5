// The scan summary and the current slice's line. Fields this page does not know are shown as they come.

const SHOWN = new Set([
  "probability", "hemorrhage", "threshold", "scan_rule", "subtypes", "most_suspicious_slice", "flagged_slices",
  "not_assessed_slices", "bleed_volume_ml", "dice", "slices", "models", "input", "notice", "warnings", "models_agree",
  "area_pixels", "area_mm2", "timings_ms", "mask_png_base64", "mask_nifti_base64", "montage_png_base64",
  "withheld_area_pixels", "withheld_mask_png_base64",
]);
const SLICE_SHOWN = new Set([
  "index", "upload_index", "sop_instance_uid", "position_mm", "probability", "flagged", "subtypes", "area_pixels",
  "area_mm2", "dice", "mask_png_base64", "assessed", "not_assessed_reason", "models_agree", "withheld_area_pixels",
  "withheld_mask_png_base64",
]);
const IDENTIFIER_KEYS = ["study_instance_uid", "series_instance_uid", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"];

export const isAssessed = (slice) => slice.assessed !== false && typeof slice.probability === "number";
export const fixed = (value, digits = 3) => (typeof value === "number" ? value.toFixed(digits) : "—");
const words = (key) => key.replaceAll("_", " ");
const plain = (value) => (typeof value === "string" ? value : JSON.stringify(value));

// [0, 1, 2, 5, 7, 8] -> "0–2, 5, 7–8"
export function ranges(indices) {
  const parts = [];
  for (let i = 0; i < indices.length; i++) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j] + 1) j++;
    parts.push(j > i ? `${indices[i]}–${indices[j]}` : String(indices[i]));
    i = j;
  }
  return parts.join(", ");
}

// Objects the page has no layout for read as "message (slices …)" or "key value" lines rather than raw JSON.
function describe(value) {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (value === null || typeof value !== "object") return plain(value);
  if (Array.isArray(value)) return value.every((v) => typeof v === "number") ? ranges(value) : value.map(describe).join("; ");
  const head = value.message ?? value.text;
  const rest = Object.entries(value).filter(([key, v]) => !["message", "text", "code"].includes(key) && v != null);
  const name = (key, v) => (key === "slices" && v.length === 1 ? "slice" : words(key));
  const details = rest.map(([key, v]) => `${name(key, v)} ${describe(v)}`).join(", ");
  if (head == null) return details;
  return details ? `${head} (${details})` : String(head);
}

function row(list, term, content, id) {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  if (id) dd.id = id;
  if (content instanceof Node) dd.append(content);
  else dd.textContent = content;
  list.append(dt, dd);
  return dd;
}

function listOf(items) {
  const ul = document.createElement("ul");
  for (const item of items) {
    const li = document.createElement("li");
    li.textContent = describe(item);
    ul.append(li);
  }
  return ul;
}

function subtypeTable(subtypes) {
  const entries = Object.entries(subtypes ?? {}).sort((a, b) => b[1] - a[1]);
  return listOf(entries.map(([name, p]) => `${name} ${fixed(p)}`));
}

export function renderSummary(list, answer, goTo) {
  list.replaceChildren();
  const verdict = answer.hemorrhage ? "Hemorrhage suspected" : "No hemorrhage found";
  const answerCell = row(list, "Answer", verdict, "summary-answer");
  answerCell.classList.add(answer.hemorrhage ? "positive" : "negative");
  // A series' answer comes from its rule, so its probability is only the highest slice's.
  const scanWide = answer.slices.length > 1 || "scan_rule" in answer;
  row(list, scanWide ? "Highest slice P(any)" : "P(any)", fixed(answer.probability), "summary-probability");
  row(list, "Threshold", fixed(answer.threshold), "summary-threshold");
  if (answer.scan_rule) row(list, "Rule", describe(answer.scan_rule), "summary-rule");
  if ("bleed_volume_ml" in answer) {
    const volume = answer.bleed_volume_ml == null ? "not available (the input has no spacing)" : `${fixed(answer.bleed_volume_ml, 2)} mL`;
    row(list, "Bleed volume", volume, "summary-volume");
  } else if (answer.area_mm2 != null) {
    row(list, "Bleed area", `${fixed(answer.area_mm2, 1)} mm² (${answer.area_pixels} px)`, "summary-volume");
  }
  const suspicious = answer.most_suspicious_slice;
  if (suspicious == null) {
    row(list, "Most suspicious slice", "none: no slice was assessed", "summary-suspicious");
  } else {
    const button = document.createElement("button");
    button.type = "button";
    button.id = "go-suspicious";
    button.textContent = `index ${suspicious} (P ${fixed(answer.slices[suspicious]?.probability)})`;
    button.onclick = () => goTo(suspicious);
    row(list, "Most suspicious slice", button, "summary-suspicious");
  }
  if (answer.flagged_slices) row(list, "Flagged slices", ranges(answer.flagged_slices) || "none", "summary-flagged");
  if (answer.not_assessed_slices?.length) {
    row(list, "Not assessed slices", ranges(answer.not_assessed_slices), "summary-not-assessed");
  }
  if (answer.dice != null) row(list, "Dice vs reference", fixed(answer.dice), "summary-dice");
  row(list, "Subtypes", subtypeTable(answer.subtypes), "summary-subtypes");
  if ("warnings" in answer) {
    const warnings = answer.warnings ?? [];
    row(list, "Warnings", warnings.length ? listOf(warnings) : "none", "summary-warnings");
  }
  if ("models_agree" in answer) row(list, "Models agree", describe(answer.models_agree), "summary-agree");
  const models = (answer.models ?? []).map((m) => `${m.name} v${m.version}`);
  row(list, "Models", models.join(", "), "summary-models");
  for (const [key, value] of Object.entries(answer)) {
    if (!SHOWN.has(key)) row(list, words(key), describe(value));
  }
  if (answer.notice) row(list, "Notice", answer.notice, "summary-notice");
}

// withheldDrawn: whether the page has the withheld outline of this slice to draw.
export function sliceLine(slice, count, withheldDrawn = false) {
  const parts = [`index ${slice.index} (${slice.index + 1} of ${count})`];
  if (isAssessed(slice)) {
    parts.push(`P(any) ${fixed(slice.probability)}${slice.flagged ? " — flagged" : ""}`);
  } else {
    parts.push(`not assessed${slice.not_assessed_reason ? ` (${words(slice.not_assessed_reason)})` : ""}`);
  }
  if (slice.models_agree === false) parts.push("the models disagree");
  if (slice.area_pixels != null) {
    const mm2 = slice.area_mm2 != null ? `, ${fixed(slice.area_mm2, 1)} mm²` : "";
    parts.push(`mask ${slice.area_pixels} px${mm2}`);
  }
  // The service gives a mask only on flagged slices; what the segmenter outlined elsewhere is said, and drawn apart.
  if (slice.withheld_area_pixels > 0) {
    const drawn = withheldDrawn ? ", drawn in yellow" : "";
    parts.push(`segmenter's outline withheld (not flagged${drawn}): ${slice.withheld_area_pixels} px`);
  }
  if (slice.dice != null) parts.push(`Dice ${fixed(slice.dice)}`);
  for (const [key, value] of Object.entries(slice)) {
    if (!SLICE_SHOWN.has(key) && value != null) parts.push(`${words(key)}: ${describe(value)}`);
  }
  return parts.join(" · ");
}

// DICOM UIDs are shown only when the reader asks; the service never returns names or other patient data.
export function renderIdentifiers(list, answer, slice) {
  list.replaceChildren();
  const input = answer.input ?? {};
  const sources = { ...input, ...(input.uids ?? {}) };
  for (const key of IDENTIFIER_KEYS) if (sources[key]) row(list, words(key), sources[key]);
  if (slice?.sop_instance_uid) row(list, "SOP instance UID (this slice)", slice.sop_instance_uid);
  if (!list.children.length) row(list, "Identifiers", "none in this input");
}
