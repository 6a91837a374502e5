// The service's answers made uniform for the page: every input is a list of slices with pixels and masks.

export function base64Blob(text, type) {
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type });
}

const SLICE_KEYS = [
  "probability", "assessed", "not_assessed_reason", "models_agree", "subtypes", "area_pixels", "area_mm2", "dice",
  "mask_png_base64", "withheld_area_pixels", "withheld_mask_png_base64",
];

// A slice answer (POST /v1/predict) read as a one-slice scan; series and volume answers pass through.
export function asScan(answer) {
  if (Array.isArray(answer.slices)) return answer;
  const slice = { index: 0, flagged: answer.hemorrhage };
  for (const key of SLICE_KEYS) if (key in answer) slice[key] = answer[key];
  return { ...answer, slices: [slice], most_suspicious_slice: 0, flagged_slices: answer.hemorrhage ? [0] : [] };
}

async function decodeMask(blob, rows, columns, what) {
  const bitmap = await createImageBitmap(blob);
  if (bitmap.width !== columns || bitmap.height !== rows) {
    throw new Error(`${what} is ${bitmap.width}x${bitmap.height} but the image is ${columns}x${rows}`);
  }
  const canvas = new OffscreenCanvas(columns, rows);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  const rgba = context.getImageData(0, 0, columns, rows).data;
  const mask = new Uint8Array(rows * columns);
  for (let p = 0; p < mask.length; p++) mask[p] = rgba[p * 4] | rgba[p * 4 + 1] | rgba[p * 4 + 2] ? 1 : 0;
  return mask;
}

function splitSlices(buffer, offset, slices, size) {
  return Array.from({ length: slices }, (_, k) => new Uint8Array(buffer, offset + k * size, size));
}

// pixels: the /viewer/pixels reply; sent: for a series or an image, the reference PNG files in upload order; for a
// volume, the names of the mask volumes sent with it ("predicted", "withheld", "reference"), in the order sent.
export async function buildScan(kind, answer, pixels, sent) {
  const [slices, rows, columns] = pixels.header("X-Viewer-Shape").split(",").map(Number);
  const masks = Number(pixels.header("X-Viewer-Masks") || 0);
  const spacing = pixels.header("X-Viewer-Spacing")?.split(",").map(Number) ?? null;
  if (slices !== answer.slices.length) {
    throw new Error(`the images have ${slices} slices but the answer has ${answer.slices.length}`);
  }
  const size = rows * columns;
  const scan = { slices, rows, columns, spacing, hu: new Int16Array(pixels.body, 0, slices * size) };
  const maskOffset = slices * size * 2;
  if (kind === "volume") {
    if (masks !== sent.length) throw new Error(`${sent.length} mask volumes were sent but ${masks} came back`);
    scan.predicted = scan.withheld = scan.reference = null;
    sent.forEach((name, k) => {
      scan[name] = splitSlices(pixels.body, maskOffset + k * slices * size, slices, size);
    });
    return scan;
  }
  const decodeField = (field, what) =>
    Promise.all(
      answer.slices.map((s, k) =>
        s[field] ? decodeMask(base64Blob(s[field], "image/png"), rows, columns, `${what} ${k}`) : null,
      ),
    );
  scan.predicted = await decodeField("mask_png_base64", "mask");
  scan.withheld = await decodeField("withheld_mask_png_base64", "withheld outline");
  scan.reference = null;
  if (sent.length) {
    // The answer says which uploaded file each slice is; references were sent in the same order as the files.
    scan.reference = await Promise.all(
      answer.slices.map((s) => {
        const upload = s.upload_index ?? s.index;
        return sent[upload] ? decodeMask(sent[upload], rows, columns, `reference mask ${upload}`) : null;
      }),
    );
  }
  return scan;
}
