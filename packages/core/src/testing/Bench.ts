/**
 * A shared report for the packages' `pnpm bench` scripts: one row per task,
 * throughput in operations per second and the ratio to a baseline measured in
 * the same run (absolute numbers vary by machine; the ratio is what to read).
 */

/**
 * The part of a finished tinybench `Task` the report reads. Structural, so
 * core does not depend on tinybench.
 */
export interface MeasuredTask {
  readonly name: string
  readonly result: {
    readonly state: string
    readonly latency?: { readonly mean: number } | undefined
    readonly error?: unknown
  }
}

export interface BenchRow {
  readonly name: string
  readonly opsPerSecond: number
}

/**
 * Operations per second of a task whose function performs `operationsPerCall`
 * operations (a batch, so timer overhead does not swamp sub-microsecond work).
 */
export const benchRow = (task: MeasuredTask, operationsPerCall = 1): BenchRow => {
  const { latency, state, error } = task.result
  if (latency === undefined || !(latency.mean > 0)) {
    throw new Error(`bench task "${task.name}" has no measurement (state ${state})`, {
      cause: error,
    })
  }
  return { name: task.name, opsPerSecond: (operationsPerCall * 1000) / latency.mean }
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 })
const ratio = (value: number) =>
  value >= 10 ? value.toFixed(1) : value >= 0.1 ? value.toFixed(2) : value.toPrecision(2)

/** The table "name  ops/s  ×baseline"; `baseline` names the row the ratios divide by. */
export const formatBenchTable = (rows: ReadonlyArray<BenchRow>, baseline: string): string => {
  const base = rows.find((row) => row.name === baseline)
  if (!base) throw new Error(`no bench row named "${baseline}"`)
  const cells = rows.map((row) => [
    row.name,
    integer.format(row.opsPerSecond),
    `${ratio(row.opsPerSecond / base.opsPerSecond)}×`,
  ])
  return alignedTable(["name", "ops/s", "×baseline"], cells)
}

/** Rows of cells as text columns: the first left-aligned, the others right-aligned. */
export const alignedTable = (
  header: ReadonlyArray<string>,
  cells: ReadonlyArray<ReadonlyArray<string>>,
): string => {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...cells.map((cell) => cell[i]!.length)),
  )
  const line = (cell: ReadonlyArray<string>) =>
    cell
      .map((text, i) => (i === 0 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!)))
      .join("  ")
  return [line(header), ...cells.map(line)].join("\n")
}
