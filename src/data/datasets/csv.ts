/**
 * CSV tables (RFC 4180: quoted fields with `""` escapes and embedded newlines, CRLF or LF line ends,
 * a UTF-8 byte-order mark dropped), browser-safe on text or bytes. Cells stay strings until a column
 * is read as numbers, which refuses anything that is not a decimal number (naming the file, line and
 * column) instead of letting it become NaN.
 */
import { asText, checkValueCount, DatasetFormatError, type FileContent } from "./common.js";

/** A parsed CSV file: the column names and the rows of cells (strings). */
export interface CsvTable {
  /** File name used in errors. */
  readonly file: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** 1-based line of each row in the file (for errors). */
  readonly lines: Int32Array;
}

/** Options of {@link parseCsv}. */
export interface CsvOptions {
  /** Field separator (default: `,`; a `.tsv` file name defaults to a tab). */
  delimiter?: string;
  /** The first row names the columns (default true); otherwise columns are named `0`, `1`, .... */
  header?: boolean;
  /** Name used in errors (default `csv`). */
  file?: string;
}

/** Parses CSV text (or UTF-8 bytes) into a {@link CsvTable}; every row must have as many cells as the header. */
export function parseCsv(content: FileContent, opts: CsvOptions = {}): CsvTable {
  const file = opts.file ?? "csv";
  let text = asText(content, file);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const delim = opts.delimiter ?? (/\.tsv$/i.test(file) ? "\t" : ",");
  if (delim.length !== 1 || delim === '"' || delim === "\n" || delim === "\r")
    throw new DatasetFormatError(
      file,
      null,
      `delimiter expected one character other than a quote or newline, got ${JSON.stringify(delim)}`,
    );
  const records: string[][] = [];
  const lines: number[] = [];
  let row: string[] = [];
  let field = "";
  let line = 1;
  let rowLine = 1;
  let i = 0;
  let quoted = false;
  let fieldStarted = false;
  const n = text.length;
  const endField = () => {
    row.push(field);
    field = "";
    fieldStarted = false;
  };
  const endRow = () => {
    endField();
    // a blank line is skipped (not a row of one empty cell)
    if (!(row.length === 1 && row[0] === "")) {
      records.push(row);
      lines.push(rowLine);
    }
    row = [];
  };
  while (i < n) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        const next = text[i];
        if (next !== undefined && next !== delim && next !== "\n" && next !== "\r")
          throw new DatasetFormatError(file, line, `unexpected ${JSON.stringify(next)} after a closing quote`);
        continue;
      }
      if (c === "\n") line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"' && !fieldStarted && field === "") {
      quoted = true;
      fieldStarted = true;
      i++;
      continue;
    }
    if (c === delim) {
      endField();
      i++;
      continue;
    }
    if (c === "\r" || c === "\n") {
      endRow();
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
      line++;
      rowLine = line;
      continue;
    }
    field += c;
    fieldStarted = true;
    i++;
  }
  if (quoted) throw new DatasetFormatError(file, rowLine, "a quoted field is not closed before the end of the file");
  if (field !== "" || row.length > 0) endRow();
  checkValueCount(file, null, "the table", records.length);
  const header = opts.header ?? true;
  if (header && records.length === 0) throw new DatasetFormatError(file, null, "is empty (expected a header row)");
  const columns = header
    ? records[0]!.map((c) => c.trim())
    : Array.from({ length: records[0]?.length ?? 0 }, (_, k) => String(k));
  const body = header ? records.slice(1) : records;
  const bodyLines = Int32Array.from(header ? lines.slice(1) : lines);
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw new DatasetFormatError(file, header ? lines[0]! : null, `column '${c}' appears twice`);
    seen.add(c);
  }
  body.forEach((r, k) => {
    if (r.length !== columns.length)
      throw new DatasetFormatError(
        file,
        bodyLines[k]!,
        `expected ${columns.length} cells (as the header), got ${r.length}`,
      );
  });
  return { file, columns, rows: body, lines: bodyLines };
}

/** Index of column `name` in `table`; an error listing the columns when it is missing. */
export function csvColumn(table: CsvTable, name: string): number {
  const k = table.columns.indexOf(name);
  if (k < 0)
    throw new DatasetFormatError(
      table.file,
      null,
      `has no column '${name}' (columns: ${table.columns.map((c) => `'${c}'`).join(", ")})`,
    );
  return k;
}

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const SPECIAL: Record<string, number> = { nan: Number.NaN, inf: Infinity, "+inf": Infinity, "-inf": -Infinity };

/**
 * Parses one cell as a number: decimal notation (`1`, `-2.5`, `1e-3`); `allowMissing` also takes
 * `nan`/`NaN`/`inf` and empty cells (as NaN). Anything else throws a {@link DatasetFormatError} naming
 * the file, line and column.
 */
export function parseNumberCell(
  value: string,
  where: { file: string; line: number | null; column: string },
  allowMissing = false,
): number {
  const v = value.trim();
  if (NUMBER.test(v)) return Number(v);
  if (allowMissing) {
    if (v === "") return Number.NaN;
    const s = SPECIAL[v.toLowerCase()];
    if (s !== undefined) return s;
  }
  throw new DatasetFormatError(
    where.file,
    where.line,
    `column '${where.column}' expected a number, got ${v === "" ? "an empty cell" : JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`,
  );
}

/** Column `name` as numbers (float64); see {@link parseNumberCell}. */
export function csvNumbers(table: CsvTable, name: string, allowMissing = false): Float64Array {
  const k = csvColumn(table, name);
  const out = new Float64Array(table.rows.length);
  for (let r = 0; r < table.rows.length; r++)
    out[r] = parseNumberCell(
      table.rows[r]![k]!,
      { file: table.file, line: table.lines[r]!, column: name },
      allowMissing,
    );
  return out;
}

/** Column `name` as strings. */
export function csvStrings(table: CsvTable, name: string): string[] {
  const k = csvColumn(table, name);
  return table.rows.map((r) => r[k]!);
}

/** Whether every cell of column `name` is a decimal number (empty tables: true). */
export function csvIsNumeric(table: CsvTable, name: string): boolean {
  const k = csvColumn(table, name);
  return table.rows.every((r) => NUMBER.test(r[k]!.trim()));
}

/** Quotes one cell for CSV output when needed. */
export function csvCell(v: string | number | boolean): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes rows as CSV text (header first, LF line ends). */
export function formatCsv(
  columns: readonly string[],
  rows: readonly (readonly (string | number | boolean)[])[],
): string {
  const out = [columns.map(csvCell).join(",")];
  for (const r of rows) out.push(r.map(csvCell).join(","));
  return `${out.join("\n")}\n`;
}
