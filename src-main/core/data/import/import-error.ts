/**
 * The one error type of dataset import. It always names the file, and where it can the line
 * (CSV, 1-based, the header line counts) or row (Parquet, 1-based data row) and the column, so a
 * user can jump straight to the offending cell:
 *
 *   data.csv:17: column 'latency': 'abc' is not a number
 *   data.parquet: row 3: column 'label': 7 is not a label (use 0/1, true/false, yes/no)
 *   data.csv: empty file
 *
 * File names, column names and cells come from outside: the message is escaped and cut
 * (cell-text.ts), so a hostile file cannot drive a terminal or flood a log through it.
 */
import { escapeText, safeMessage } from './cell-text'

export interface ImportErrorLocation {
  line?: number
  row?: number
  column?: string
}

export class ImportError extends Error {
  file: string
  line?: number
  row?: number
  column?: string
  /** The reason without the location prefix (for UIs that show the location separately). */
  reason: string

  constructor(file: string, reason: string, where: ImportErrorLocation = {}) {
    super(formatImportError(file, reason, where))
    this.name = 'ImportError'
    this.file = file
    this.line = where.line
    this.row = where.row
    this.column = where.column === undefined ? undefined : escapeText(where.column)
    this.reason = safeMessage(reason)
  }
}

function formatImportError(file: string, reason: string, where: ImportErrorLocation): string {
  let head = file
  if (where.line !== undefined) head += `:${where.line}`
  else if (where.row !== undefined) head += `: row ${where.row}`
  if (where.column !== undefined) head += `: column '${where.column}'`
  return safeMessage(`${head}: ${reason}`)
}
