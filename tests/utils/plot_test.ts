/**
 * The training-curves SVG rendered to PNG by librsvg (Debian's librsvg2-bin, `rsvg-convert`,
 * installed by tools/dev.sh): the pixels at each data point and along each segment are the
 * series' colour, the plotting area elsewhere is background, the axes are drawn; and the SVG is
 * self-contained.
 * @module
 */
import { trainingCurvesSvg } from "../../mod.ts";
import { niceTicks, PALETTE, panelGeometry } from "../../src/utils/plot.ts";
import { assert, test } from "../harness.ts";
import { pixel } from "./png.ts";
import { assertCurveDrawn, colourNear, hex, near, renderSvg } from "./svg_render.ts";

test("training_curves.svg renders (librsvg) with both curves through their data points, axes and white background", () => {
  const history = { loss: [0.92, 0.41, 0.33, 0.29, 0.27, 0.26], accuracy: [88.5, 92.25, 93.5, 94.75, 95.0, 95.5] };
  const svg = trainingCurvesSvg(history);
  assert.doesNotMatch(svg, /<script|href=|url\(|@import/, "self-contained: no scripts, links or external resources");
  assert.match(svg, />Training loss</);
  assert.match(svg, />accuracy \(%\)</);
  assert.match(svg, />epoch</);
  const img = renderSvg(svg);
  assert.equal(img.width, 900);
  assert.equal(img.height, 340);
  const panels = [
    { title: "Training loss", yLabel: "loss", series: [{ name: "train loss", values: history.loss }] },
    { title: "Test accuracy", yLabel: "accuracy (%)", series: [{ name: "test accuracy", values: history.accuracy }] },
  ];
  const loss = panelGeometry(panels[0], 0);
  const acc = panelGeometry(panels[1], 1);
  assertCurveDrawn(img, loss, history.loss, PALETTE[0], "loss");
  assertCurveDrawn(img, acc, history.accuracy, PALETTE[1], "accuracy");
  // The loss curve is never red and the accuracy curve never blue.
  assert.ok(!colourNear(img, loss.x(1), loss.y(0.92), hex(PALETTE[1]), 2));
  assert.ok(!colourNear(img, acc.x(1), acc.y(88.5), hex(PALETTE[0]), 2));
  // Background inside the plot, away from the curve (below the loss curve at epoch 1.5, above the
  // bottom axis) is white; the axes are black.
  assert.ok(
    near(pixel(img, loss.x(1.5), loss.bottom - 6), [255, 255, 255], 10),
    `background: ${pixel(img, loss.x(1.5), loss.bottom - 6)}`,
  );
  assert.ok(near(pixel(img, loss.left, (loss.top + loss.bottom) / 2), [0, 0, 0], 60), "y axis");
  assert.ok(near(pixel(img, (loss.left + loss.right) / 2, loss.bottom), [0, 0, 0], 60), "x axis");
  // Some dark text left of the y axis (tick labels) and below the x axis (epoch numbers).
  const dark = (x0: number, x1: number, y0: number, y1: number) => {
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) if (pixel(img, x, y).slice(0, 3).every((v) => v < 100)) return true;
    }
    return false;
  };
  assert.ok(dark(loss.left - 40, loss.left - 8, loss.top - 5, loss.bottom + 5), "y tick labels");
  assert.ok(dark(loss.left - 5, loss.right, loss.bottom + 6, loss.bottom + 20), "x tick labels");
});

test("niceTicks cover the data with 1-2-5 steps", () => {
  assert.deepEqual(niceTicks(0.26, 0.92), [0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(88.5, 95.5), [88, 90, 92, 94, 96]);
  assert.deepEqual(niceTicks(3, 3), [2.6, 2.8, 3, 3.2, 3.4]);
  assert.throws(
    () => trainingCurvesSvg({ loss: [1] } as never),
    /expected \{ loss: number\[\], accuracy: number\[\] \}/,
  );
});
