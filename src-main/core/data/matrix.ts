/**
 * A dense row-major float matrix: the shape models consume (one row per sample or window).
 * Row-major because tree models and ONNX inputs walk one sample at a time.
 */
export interface Matrix {
  data: Float32Array
  rows: number
  cols: number
}

export function matrix(rows: number, cols: number): Matrix {
  return { data: new Float32Array(rows * cols), rows, cols }
}

/** Row-major matrix from column-major columns (as `LabelledSeries.values` holds them). */
export function fromColumns(columns: Float32Array[]): Matrix {
  const cols = columns.length
  const rows = cols === 0 ? 0 : columns[0].length
  const m = matrix(rows, cols)
  for (let j = 0; j < cols; j++) {
    const c = columns[j]
    if (c.length !== rows) throw new Error(`column ${j} has ${c.length} rows, expected ${rows}`)
    for (let i = 0; i < rows; i++) m.data[i * cols + j] = c[i]
  }
  return m
}

export function row(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols)
}
