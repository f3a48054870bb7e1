/**
 * Plain-text output: where the numbers were measured, and aligned tables.
 */
import { cpus, platform, release } from "node:os"

export const environment = (): string => {
  const cores = cpus()
  return [
    `date     ${new Date().toISOString()}`,
    `node     ${process.version}`,
    `machine  ${cores[0]?.model ?? "unknown CPU"} (${cores.length} cores), ${platform()} ${release()}`,
  ].join("\n")
}

export type Align = "left" | "right"

/** An aligned table; `align` per column defaults to left. */
export const table = (
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  align: ReadonlyArray<Align> = [],
): string => {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  )
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, column) =>
        align[column] === "right" ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join("  ")
      .trimEnd()
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join(
    "\n",
  )
}

export const section = (title: string): string => `\n## ${title}\n`

/** 123456.7 → "123,457". */
export const integer = (value: number): string => Math.round(value).toLocaleString("en-US")
