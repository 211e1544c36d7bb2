/**
 * `CSVLogger`: metrics as rows of a CSV file (Keras' CSVLogger), for people without TensorBoard
 * and for spreadsheets and pandas.
 * @module
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Tensor } from "../tensor/tensor.ts";
import { checkOptions, describe } from "./options.ts";

/** Options of {@link CSVLogger}. */
export interface CSVLoggerOptions {
  /** Append to an existing file with the same columns (e.g. when resuming) instead of replacing it (default false). */
  append?: boolean;
  /** Field separator (default ","). */
  separator?: string;
}

/** A value in a row: numbers (or one-element tensors) and strings. */
export type CSVValue = number | string | boolean | Tensor | null | undefined;

/** Quotes a field when it holds the separator, a quote or a line break (RFC 4180). */
function field(value: CSVValue, separator: string): string {
  if (value === null || value === undefined) return "";
  const text = value instanceof Tensor ? String(value.item()) : String(value); // String(number) round-trips exactly
  return text.includes(separator) || /["\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Writes one CSV row per {@link CSVLogger.log} call, straight to disk (a crash keeps every row
 * logged so far). The columns are the keys of the first row; a later row may leave some out
 * (empty cells) but may not add new ones.
 *
 * @example
 * ```ts
 * const csv = new CSVLogger("runs/mlp/metrics.csv");
 * csv.log({ epoch: 0, loss: 0.41, accuracy: 88.2, lr: 0.001 });
 * // epoch,loss,accuracy,lr
 * // 0,0.41,88.2,0.001
 * ```
 */
export class CSVLogger {
  /** The file written. */
  readonly path: string;
  #columns: string[] | null = null;
  readonly #separator: string;

  /** Creates (or, with `append`, continues) the file at `path`; its directory is created if needed. */
  constructor(path: string, options?: CSVLoggerOptions) {
    const o = checkOptions<CSVLoggerOptions>("CSVLogger", options, ["append", "separator"]);
    if (typeof path !== "string" || path === "") {
      throw new TypeError(`CSVLogger: path must be a non-empty string, got ${describe(path)}`);
    }
    this.#separator = o.separator ?? ",";
    if (typeof this.#separator !== "string" || this.#separator.length !== 1 || /["\r\n]/.test(this.#separator)) {
      throw new TypeError(
        `CSVLogger: separator must be one character other than a quote or line break, got ${describe(o.separator)}`,
      );
    }
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    if (o.append && existsSync(path)) {
      const header = readFileSync(path, "utf8").split(/\r?\n/)[0];
      if (header) this.#columns = header.split(this.#separator);
    } else {
      writeFileSync(path, "");
    }
  }

  /** The columns (the first row's keys), or null before the first row. */
  get columns(): readonly string[] | null {
    return this.#columns;
  }

  /** Appends one row; the first row also writes the header. */
  log(row: Record<string, CSVValue>): void {
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      throw new TypeError(`CSVLogger.log: row must be an object of named values, got ${describe(row)}`);
    }
    let text = "";
    if (this.#columns === null) {
      this.#columns = Object.keys(row);
      if (this.#columns.length === 0) throw new RangeError("CSVLogger.log: the first row has no columns");
      text += this.#columns.map((c) => field(c, this.#separator)).join(this.#separator) + "\n";
    }
    const extra = Object.keys(row).filter((k) => !this.#columns!.includes(k));
    if (extra.length > 0) {
      throw new RangeError(
        `CSVLogger.log: ${extra.join(", ")} ${
          extra.length === 1 ? "is not a column" : "are not columns"
        }; the columns (from the first row) are ${this.#columns.join(", ")}`,
      );
    }
    for (const [k, v] of Object.entries(row)) {
      const ok = v === null || v === undefined || typeof v === "number" || typeof v === "string" ||
        typeof v === "boolean" || (v instanceof Tensor && v.numel === 1);
      if (!ok) {
        throw new TypeError(
          `CSVLogger.log: ${k} must be a number, string, boolean or one-element tensor, got ${describe(v)}`,
        );
      }
    }
    text += this.#columns.map((c) => field(row[c], this.#separator)).join(this.#separator) + "\n";
    appendFileSync(this.path, text);
  }
}
