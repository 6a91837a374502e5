// The reading page: choose a scan, send it to this service, then read the answer slice by slice.

import { ServiceError, post, setApiKey } from "./api.js";
import { drawChart, markCurrent } from "./chart.js";
import { maskPngBlob, renderSlice, WINDOWS } from "./render.js";
import { asScan, base64Blob, buildScan } from "./scan.js";
import { renderIdentifiers, renderSummary, sliceLine } from "./summary.js";

const $ = (id) => document.getElementById(id);
const ENDPOINTS = {
  // The segmenter's outlines on slices that are not flagged come back too, to be drawn apart from the answer's masks.
  series: { path: "/v1/series?withheld_masks=true", file: "files", reference: "reference_masks" },
  volume: { path: "/v1/volume?withheld_masks=true", file: "volume", reference: "reference_mask" },
  image: { path: "/v1/predict", file: "image", reference: "reference_mask" },
};
const state = { files: [], answer: null, scan: null, kind: null, index: 0 };
const view = { ...WINDOWS.brain, showMask: true, showReference: true, opacity: 0.45 };
const byName = (a, b) =>
  (a.webkitRelativePath || a.name).localeCompare(b.webkitRelativePath || b.name, undefined, { numeric: true });
// Folders carry DICOMDIR indexes and hidden files that are not slices.
const isSliceFile = (file) => !file.name.startsWith(".") && file.name.toUpperCase() !== "DICOMDIR";

async function kindOf(files) {
  if (files.length !== 1) return "series";
  const head = new Uint8Array(await files[0].slice(0, 352).arrayBuffer());
  const text = (from, to) => String.fromCharCode(...head.subarray(from, to));
  if (head[0] === 0x89 && text(1, 4) === "PNG") return "image";
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return "image";
  if (head[0] === 0x1f && head[1] === 0x8b) return "volume"; // gzip: .nii.gz
  if (["n+1", "ni1"].includes(text(344, 347)) || ["n+2", "ni2"].includes(text(4, 7))) return "volume";
  return "series";
}

function chooseFiles(files) {
  state.files = [...files].filter(isSliceFile).sort(byName);
  describeChoice();
  $("run").disabled = state.files.length === 0;
}

const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;

function describeChoice() {
  const count = state.files.length;
  // Counts only: exported file and folder names often carry the patient's name.
  const scan = count ? `Scan: ${plural(count, "file")}` : "No scan chosen";
  const references = $("reference-files").files.length;
  $("chosen").textContent = `${scan}. Reference: ${references ? plural(references, "file") : "none"}.`;
}

async function droppedFiles(transfer) {
  const entries = [...transfer.items].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
  if (!entries.length) return [...transfer.files];
  const files = [];
  const walk = async (entry) => {
    if (entry.isFile) files.push(await new Promise((ok, fail) => entry.file(ok, fail)));
    if (!entry.isDirectory) return;
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
      if (!batch.length) break;
      for (const child of batch) await walk(child);
    }
  };
  for (const entry of entries) await walk(entry);
  return files;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

function progress(upload, waiting) {
  const bar = $("progress");
  $("progress-row").hidden = false;
  $("progress-text").textContent = `${upload}…`;
  bar.value = 0;
  return {
    onUpload: (fraction) => {
      bar.value = fraction;
      $("progress-text").textContent = `${upload}: ${Math.round(fraction * 100)}%`;
    },
    onWaiting: () => {
      bar.removeAttribute("value"); // indeterminate while the service works
      $("progress-text").textContent = `${waiting}…`;
    },
  };
}

async function read(event) {
  event.preventDefault();
  showError("");
  const needsKey = document.body.dataset.apiKeyRequired === "true";
  if (needsKey && !$("api-key").value) {
    showError("This service needs its API key: type it in the API key field.");
    $("api-key").focus();
    return;
  }
  setApiKey($("api-key").value);
  const references = [...$("reference-files").files].sort(byName);
  const kind = await kindOf(state.files);
  const endpoint = ENDPOINTS[kind];
  const form = new FormData();
  for (const file of state.files) form.append(endpoint.file, file);
  for (const file of kind === "series" ? references : references.slice(0, 1)) form.append(endpoint.reference, file);
  $("run").disabled = true;
  try {
    const answer = asScan(await post(endpoint.path, form, progress("Uploading the scan", "Running the models")));
    const pixelsForm = new FormData();
    const volumeMasks = []; // the mask volumes sent with a NIfTI volume, which come back turned in this order
    if (kind === "volume") {
      pixelsForm.append("volume", state.files[0]);
      const returned = { predicted: answer.mask_nifti_base64, withheld: answer.withheld_mask_nifti_base64 };
      for (const [name, text] of Object.entries(returned)) {
        if (!text) continue;
        pixelsForm.append("masks", base64Blob(text), `${name}.nii.gz`);
        volumeMasks.push(name);
      }
      if (references.length) {
        pixelsForm.append("masks", references[0]);
        volumeMasks.push("reference");
      }
    } else {
      for (const file of state.files) pixelsForm.append("files", file);
    }
    const options = { responseType: "arraybuffer", ...progress("Loading the images", "Decoding the images") };
    const pixels = await post("/viewer/pixels", pixelsForm, options);
    state.scan = await buildScan(kind, answer, pixels, kind === "volume" ? volumeMasks : references);
    state.answer = answer;
    state.kind = kind;
    show();
  } catch (error) {
    const prefix = error instanceof ServiceError && error.status ? `The service refused the scan (HTTP ${error.status}): ` : "Could not read the scan: ";
    showError(prefix + error.message);
    if (error.status === 401) {
      $("api-key-field").hidden = false;
      $("api-key").focus();
    }
  } finally {
    $("progress-row").hidden = true;
    $("run").disabled = state.files.length === 0;
  }
}

function show() {
  const { answer, scan } = state;
  $("reader").hidden = false;
  $("slice-slider").max = String(scan.slices - 1);
  $("reference-toggle").hidden = !scan.reference;
  $("download-mask-nifti").hidden = !answer.mask_nifti_base64;
  drawChart($("chart"), answer.slices, answer.threshold, goTo);
  renderSummary($("summary"), answer, goTo);
  goTo(answer.most_suspicious_slice ?? 0); // none when no slice was assessed
}

function goTo(index) {
  const { answer, scan } = state;
  if (!scan) return;
  state.index = Math.min(scan.slices - 1, Math.max(0, index));
  const slice = answer.slices[state.index];
  renderSlice($("image"), scan, state.index, view);
  $("slice-slider").value = String(state.index);
  $("slice-label").textContent = `${state.index + 1} / ${scan.slices}`;
  $("slice-info").textContent = sliceLine(slice, scan.slices, Boolean(scan.withheld?.[state.index]));
  markCurrent($("chart"), state.index);
  if (!$("identifiers").hidden) renderIdentifiers($("identifiers"), answer, slice);
}

const redraw = () => state.scan && renderSlice($("image"), state.scan, state.index, view);

function setWindow(width, level) {
  view.width = Math.max(1, Math.round(width));
  view.level = Math.round(level);
  $("window-width").value = String(view.width);
  $("window-level").value = String(view.level);
  redraw();
}

function download(blob, name) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

async function currentMaskPng() {
  const { answer, scan, index } = state;
  const encoded = answer.slices[index].mask_png_base64;
  if (encoded) return base64Blob(encoded, "image/png");
  return maskPngBlob(scan.predicted?.[index] ?? new Uint8Array(scan.rows * scan.columns), scan.rows, scan.columns);
}

function wireKeysAndPointer() {
  const canvas = $("image");
  const steps = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1, PageDown: 10, PageUp: -10 };
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target.matches?.("input:not([type=checkbox]), select, textarea") || !state.scan) return;
    if (event.key in steps) goTo(state.index + steps[event.key]);
    else if (event.key === "Home") goTo(0);
    else if (event.key === "End") goTo(state.scan.slices - 1);
    else return;
    event.preventDefault();
  });
  canvas.addEventListener("wheel", (event) => {
    event.preventDefault();
    goTo(state.index + Math.sign(event.deltaY));
  }, { passive: false });
  // Drag: right/left changes the window width, down/up the level, as in most PACS viewers.
  canvas.addEventListener("pointerdown", (event) => {
    const start = { x: event.clientX, y: event.clientY, width: view.width, level: view.level };
    const perPixel = Math.max(start.width / 200, 0.5);
    canvas.setPointerCapture(event.pointerId);
    canvas.onpointermove = (move) =>
      setWindow(start.width + (move.clientX - start.x) * perPixel, start.level + (move.clientY - start.y) * perPixel);
    canvas.onpointerup = () => (canvas.onpointermove = null);
  });
}

function wire() {
  $("api-key-field").hidden = document.body.dataset.apiKeyRequired !== "true";
  $("scan-files").onchange = (event) => chooseFiles(event.target.files);
  $("scan-folder").onchange = (event) => chooseFiles(event.target.files);
  $("load").onsubmit = read;
  $("reference-files").onchange = describeChoice;
  document.addEventListener("dragover", (event) => {
    event.preventDefault();
    $("drop").classList.add("over");
  });
  document.addEventListener("dragleave", () => $("drop").classList.remove("over"));
  document.addEventListener("drop", async (event) => {
    $("drop").classList.remove("over");
    event.preventDefault();
    chooseFiles(await droppedFiles(event.dataTransfer));
  });
  for (const button of document.querySelectorAll("[data-window]")) {
    button.onclick = () => setWindow(WINDOWS[button.dataset.window].width, WINDOWS[button.dataset.window].level);
  }
  $("window-width").onchange = () => setWindow(Number($("window-width").value), view.level);
  $("window-level").onchange = () => setWindow(view.width, Number($("window-level").value));
  $("show-mask").onchange = (event) => ((view.showMask = event.target.checked), redraw());
  $("show-reference").onchange = (event) => ((view.showReference = event.target.checked), redraw());
  $("mask-opacity").oninput = (event) => ((view.opacity = Number(event.target.value)), redraw());
  $("slice-slider").oninput = (event) => goTo(Number(event.target.value));
  $("show-identifiers").onchange = (event) => {
    $("identifiers").hidden = !event.target.checked;
    if (state.scan) goTo(state.index);
  };
  $("download-json").onclick = () =>
    download(new Blob([JSON.stringify(state.answer, null, 2)], { type: "application/json" }), "ich-answer.json");
  $("download-overlay").onclick = () => $("image").toBlob((blob) => download(blob, `ich-overlay-${state.index}.png`));
  $("download-mask-png").onclick = async () => download(await currentMaskPng(), `ich-mask-${state.index}.png`);
  $("download-mask-nifti").onclick = () =>
    download(base64Blob(state.answer.mask_nifti_base64, "application/gzip"), "ich-mask.nii.gz");
  wireKeysAndPointer();
  setWindow(view.width, view.level);
  describeChoice();
}

wire();
