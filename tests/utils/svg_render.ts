/**
 * Rendering SVG to pixels with librsvg's rsvg-convert (Debian's librsvg2-bin, installed by
 * tools/dev.sh) and checking where curves are drawn; shared by the plot and training-script tests.
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PanelGeometry } from "../../src/utils/plot.ts";
import { assert } from "../harness.ts";
import { decodePng, type Image, pixel } from "./png.ts";

/** Renders SVG text to a PNG with rsvg-convert and decodes it. */
export function renderSvg(svg: string): Image {
  const dir = mkdtempSync(join(tmpdir(), "axon-svg-"));
  try {
    writeFileSync(join(dir, "in.svg"), svg);
    const r = spawnSync("rsvg-convert", ["-o", join(dir, "out.png"), join(dir, "in.svg")], { encoding: "utf8" });
    assert.equal(
      r.error,
      undefined,
      `rsvg-convert could not run (${r.error?.message}); tools/dev.sh test installs Debian's librsvg2-bin`,
    );
    assert.equal(r.status, 0, `rsvg-convert failed: ${r.stderr}`);
    return decodePng(new Uint8Array(readFileSync(join(dir, "out.png"))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const hex = (c: string): [number, number, number] =>
  [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) as [number, number, number];
export const near = (p: number[], c: readonly number[], tol = 40) => c.every((v, i) => Math.abs(p[i] - v) <= tol);

/** Whether a pixel within `r` of (x, y) has colour `c`. */
export function colourNear(img: Image, x: number, y: number, c: readonly number[], r = 1): boolean {
  for (let dy = -r; dy <= r; dy++) {
    for (let dx = -r; dx <= r; dx++) if (near(pixel(img, x + dx, y + dy), c)) return true;
  }
  return false;
}

/** Asserts the polyline through `values` is drawn in `colour` on `img`. */
export function assertCurveDrawn(
  img: Image,
  g: PanelGeometry,
  values: readonly number[],
  colour: string,
  what: string,
): void {
  const c = hex(colour);
  values.forEach((v, i) => {
    assert.ok(
      colourNear(img, g.x(i + 1), g.y(v), c),
      `${what}: point ${i + 1} (${v}) not drawn at (${g.x(i + 1)}, ${g.y(v)}); pixel ${pixel(img, g.x(i + 1), g.y(v))}`,
    );
    if (i > 0) {
      for (const t of [0.25, 0.5, 0.75]) {
        const x = g.x(i) + t * (g.x(i + 1) - g.x(i));
        const y = g.y(values[i - 1]) + t * (g.y(v) - g.y(values[i - 1]));
        assert.ok(
          colourNear(img, x, y, c),
          `${what}: segment ${i}->${i + 1} missing at (${x.toFixed(1)}, ${y.toFixed(1)})`,
        );
      }
    }
  });
}
