// One slice onto the canvas: HU through a window/level, the predicted mask filled, the reference outlined, and the
// segmenter's outline on a slice the service did not flag (withheld from the answer) outlined in yellow.

export const WINDOWS = {
  brain: { width: 80, level: 40 },
  subdural: { width: 215, level: 75 },
  bone: { width: 2800, level: 600 },
};
const PREDICTED_RGB = [255, 48, 48];
const REFERENCE_RGB = [0, 230, 255];
const WITHHELD_RGB = [255, 255, 0];  // red equal to green: never counted as the predicted mask's red

function outline(mask, rows, columns) {
  const edge = new Uint8Array(mask.length);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const p = y * columns + x;
      if (!mask[p]) continue;
      const border = x === 0 || y === 0 || x === columns - 1 || y === rows - 1;
      edge[p] = border || !mask[p - 1] || !mask[p + 1] || !mask[p - columns] || !mask[p + columns] ? 1 : 0;
    }
  }
  return edge;
}

// scan: {hu: Int16Array, rows, columns, slices, spacing, predicted: [Uint8Array|null], reference: [...]|null}
export function renderSlice(canvas, scan, index, view) {
  const { rows, columns } = scan;
  if (canvas.width !== columns || canvas.height !== rows) {
    canvas.width = columns;
    canvas.height = rows;
    const [rowMm, columnMm] = scan.spacing ?? [1, 1];
    canvas.style.aspectRatio = `${columns * columnMm} / ${rows * rowMm}`;
  }
  const size = rows * columns;
  const hu = scan.hu.subarray(index * size, (index + 1) * size);
  const predicted = view.showMask ? scan.predicted?.[index] : null;
  const reference = view.showReference && scan.reference?.[index] ? outline(scan.reference[index], rows, columns) : null;
  const withheld = view.showMask && scan.withheld?.[index] ? outline(scan.withheld[index], rows, columns) : null;
  const low = view.level - view.width / 2;
  const scale = 255 / Math.max(view.width, 1);
  const alpha = view.opacity;
  const context = canvas.getContext("2d");
  const image = context.createImageData(columns, rows);
  const out = image.data;
  for (let p = 0; p < size; p++) {
    const grey = Math.min(255, Math.max(0, (hu[p] - low) * scale));
    let r = grey, g = grey, b = grey;
    if (predicted && predicted[p]) {
      r = grey + (PREDICTED_RGB[0] - grey) * alpha;
      g = grey + (PREDICTED_RGB[1] - grey) * alpha;
      b = grey + (PREDICTED_RGB[2] - grey) * alpha;
    }
    if (withheld && withheld[p]) [r, g, b] = WITHHELD_RGB;
    if (reference && reference[p]) [r, g, b] = REFERENCE_RGB;
    const o = p * 4;
    out[o] = r;
    out[o + 1] = g;
    out[o + 2] = b;
    out[o + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

// A 0/1 mask as a 0/255 greyscale PNG, the service's own mask convention.
export function maskPngBlob(mask, rows, columns) {
  const canvas = new OffscreenCanvas(columns, rows);
  const context = canvas.getContext("2d");
  const image = context.createImageData(columns, rows);
  for (let p = 0; p < mask.length; p++) {
    const v = mask[p] ? 255 : 0;
    image.data.set([v, v, v, 255], p * 4);
  }
  context.putImageData(image, 0, 0);
  return canvas.convertToBlob({ type: "image/png" });
}
