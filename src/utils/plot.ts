/**
 * Training curves as a self-contained SVG (no scripts, fonts or links): one panel per metric,
 * each with axes, tick labels, axis titles, one polyline with point markers per series, and a
 * legend. Enough to look at a run without TensorBoard; open the file in any browser.
 * @module
 */
import { checkOptions, describe } from "./options.ts";

/** One line of a panel. */
export interface CurveSeries {
  /** Legend text. */
  name: string;
  /** One value per epoch (epoch 1 first); non-finite values leave a gap. */
  values: readonly number[];
  /** CSS colour of the line (default from a palette). */
  color?: string;
}

/** One chart: a title, the y-axis label and its series. */
export interface CurvePanel {
  /** Title above the chart. */
  title: string;
  /** Label of the y axis. */
  yLabel: string;
  /** The lines. */
  series: CurveSeries[];
}

/** Options of {@link curvesSvg} and {@link trainingCurvesSvg}. */
export interface CurvesSvgOptions {
  /** Width of one panel in pixels (default 450). */
  panelWidth?: number;
  /** Height in pixels (default 340). */
  height?: number;
  /** Label of the x axis (default "epoch"). */
  xLabel?: string;
}

/** Colours of series without one (matplotlib's first four). */
export const PALETTE: readonly string[] = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"];

/** Margins of each panel's plotting area, in pixels. */
export const MARGIN = { left: 64, right: 16, top: 56, bottom: 52 } as const;

/** 1, 2 or 5 times a power of ten near `x` (Heckbert's nice numbers). */
function niceNumber(x: number, round: boolean): number {
  const exp = Math.floor(Math.log10(x));
  const f = x / 10 ** exp;
  const nice = round ? (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) : (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10);
  return nice * 10 ** exp;
}

/** Tick values covering [min, max] with about five nice steps; the axis runs from the first to the last. */
export function niceTicks(min: number, max: number): number[] {
  if (min === max) [min, max] = min === 0 ? [-1, 1] : [min - Math.abs(min) * 0.1, max + Math.abs(max) * 0.1];
  const step = niceNumber(niceNumber(max - min, false) / 4, true);
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let i = 0; lo + i * step <= hi + step * 1e-9; i++) ticks.push(Number((lo + i * step).toPrecision(12)));
  return ticks;
}

/** Where a panel draws: pixel mapping of epochs (from 1) and values. */
export interface PanelGeometry {
  /** Left, right, top and bottom of the plotting area in the SVG's pixels. */
  left: number;
  right: number;
  top: number;
  bottom: number;
  /** The y-axis ticks (first = bottom edge, last = top edge). */
  yTicks: number[];
  /** The last epoch on the x axis (the first is 1). */
  xMax: number;
  /** Pixel x of epoch `e` (1-based). */
  x(e: number): number;
  /** Pixel y of value `v`. */
  y(v: number): number;
}

/** The geometry of panel `index` for `panel` (used to draw it, and by tests to find the lines). */
export function panelGeometry(panel: CurvePanel, index: number, options: CurvesSvgOptions = {}): PanelGeometry {
  const width = options.panelWidth ?? 450;
  const height = options.height ?? 340;
  const finite = panel.series.flatMap((s) => s.values.filter(Number.isFinite));
  const yTicks = niceTicks(finite.length ? Math.min(...finite) : 0, finite.length ? Math.max(...finite) : 1);
  const xMax = Math.max(2, ...panel.series.map((s) => s.values.length));
  const left = index * width + MARGIN.left;
  const right = (index + 1) * width - MARGIN.right;
  const top = MARGIN.top;
  const bottom = height - MARGIN.bottom;
  const [lo, hi] = [yTicks[0], yTicks[yTicks.length - 1]];
  return {
    left,
    right,
    top,
    bottom,
    yTicks,
    xMax,
    x: (e) => left + ((e - 1) / (xMax - 1)) * (right - left),
    y: (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top),
  };
}

const escape = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
const fmt = (v: number) => Number(v.toFixed(2)).toString();
const label = (
  v: number,
) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(1) : String(Number(v.toPrecision(6))));

function drawPanel(panel: CurvePanel, index: number, options: CurvesSvgOptions): string {
  const g = panelGeometry(panel, index, options);
  const out: string[] = [];
  const mid = (g.left + g.right) / 2;
  out.push(
    `<text x="${fmt(mid)}" y="20" text-anchor="middle" font-size="16" font-weight="bold">${escape(panel.title)}</text>`,
  );
  for (const t of g.yTicks) {
    const y = fmt(g.y(t));
    out.push(`<line x1="${fmt(g.left)}" y1="${y}" x2="${fmt(g.right)}" y2="${y}" stroke="#e6e6e6" stroke-width="1"/>`);
    out.push(
      `<text x="${fmt(g.left - 6)}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${
        label(t)
      }</text>`,
    );
  }
  const xStep = Math.max(1, Math.ceil((g.xMax - 1) / 10));
  for (let e = 1; e <= g.xMax; e += xStep) {
    out.push(`<text x="${fmt(g.x(e))}" y="${fmt(g.bottom + 16)}" text-anchor="middle" font-size="11">${e}</text>`);
  }
  out.push(
    `<path d="M${fmt(g.left)},${fmt(g.top)}V${fmt(g.bottom)}H${
      fmt(g.right)
    }" fill="none" stroke="#000000" stroke-width="1.5"/>`,
  );
  out.push(
    `<text x="${fmt(mid)}" y="${fmt(g.bottom + 38)}" text-anchor="middle" font-size="13">${
      escape(options.xLabel ?? "epoch")
    }</text>`,
  );
  const yMid = fmt((g.top + g.bottom) / 2);
  out.push(
    `<text x="${fmt(g.left - 48)}" y="${yMid}" text-anchor="middle" font-size="13" transform="rotate(-90 ${
      fmt(g.left - 48)
    } ${yMid})">${escape(panel.yLabel)}</text>`,
  );
  panel.series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    let d = "";
    let pen = false;
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${fmt(g.x(i + 1))},${fmt(g.y(v))}`;
      pen = true;
      out.push(`<circle cx="${fmt(g.x(i + 1))}" cy="${fmt(g.y(v))}" r="3" fill="${color}"/>`);
    });
    if (d) out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"/>`);
    const ly = 40 - 14 * (panel.series.length - 1 - k); // above the plotting area, never over a curve
    out.push(
      `<line x1="${fmt(g.right - 110)}" y1="${ly}" x2="${
        fmt(g.right - 90)
      }" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
    );
    out.push(
      `<text x="${fmt(g.right - 84)}" y="${ly}" dominant-baseline="middle" font-size="11">${escape(s.name)}</text>`,
    );
  });
  return out.join("\n");
}

/**
 * An SVG with one chart per panel, side by side.
 *
 * @example
 * ```ts
 * import { curvesSvg } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const svg = curvesSvg([{ title: "Loss", yLabel: "loss", series: [{ name: "train", values: [0.9, 0.5, 0.4] }] }]);
 * assert.ok(svg.startsWith("<svg"));
 * ```
 */
export function curvesSvg(panels: readonly CurvePanel[], options?: CurvesSvgOptions): string {
  const o = checkOptions<CurvesSvgOptions>("curvesSvg", options, ["panelWidth", "height", "xLabel"]);
  if (!Array.isArray(panels) || panels.length === 0) {
    throw new TypeError(`curvesSvg: panels must be a non-empty array, got ${describe(panels)}`);
  }
  for (const p of panels) {
    if (
      !Array.isArray(p?.series) ||
      p.series.some((s: CurveSeries) =>
        !Array.isArray(s?.values) || s.values.some((v: unknown) => typeof v !== "number")
      )
    ) {
      throw new TypeError("curvesSvg: each panel needs series: [{ name, values: number[] }]");
    }
  }
  const width = (o.panelWidth ?? 450) * panels.length;
  const height = o.height ?? 340;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...panels.map((p, i) => drawPanel(p, i, o)),
    "</svg>",
    "",
  ].join("\n");
}

/** The per-epoch metrics {@link trainingCurvesSvg} draws. */
export interface TrainingHistory {
  /** Mean training loss of each epoch. */
  loss: readonly number[];
  /** Test (or validation) accuracy of each epoch, in percent. */
  accuracy: readonly number[];
}

/**
 * Loss and accuracy per epoch as two charts in one SVG (the file `deno task train` writes).
 *
 * @example
 * ```ts
 * import { trainingCurvesSvg } from "@axon/ml";
 * import { writeFileSync } from "node:fs";
 *
 * const svg = trainingCurvesSvg({ loss: [0.4, 0.2, 0.15], accuracy: [93.1, 95.6, 96.2] });
 * writeFileSync(`${Deno.makeTempDirSync()}/training_curves.svg`, svg);
 * ```
 */
export function trainingCurvesSvg(history: TrainingHistory, options?: CurvesSvgOptions): string {
  if (!history || !Array.isArray(history.loss) || !Array.isArray(history.accuracy)) {
    throw new TypeError(`trainingCurvesSvg: expected { loss: number[], accuracy: number[] }, got ${describe(history)}`);
  }
  return curvesSvg([
    {
      title: "Training loss",
      yLabel: "loss",
      series: [{ name: "train loss", values: history.loss, color: PALETTE[0] }],
    },
    {
      title: "Test accuracy",
      yLabel: "accuracy (%)",
      series: [{ name: "test accuracy", values: history.accuracy, color: PALETTE[1] }],
    },
  ], options);
}
