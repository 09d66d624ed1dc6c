/**
 * A small multi-file dataset of the common benchmark shape (SKAB-like): one `;`-separated CSV per
 * experiment in nested folders with colliding file names (`a/0.csv`, `a/1.csv`, `b/0.csv`,
 * `b/1.csv`, `c/0.csv`, `c/1.csv`), a `datetime` column (1 s steps), 8 sensor columns, a point-wise
 * `anomaly` label and a second label column, `changepoint`, set on the first anomalous row and
 * on the first row after the anomaly (as benchmark files mark where a collective anomaly starts
 * and ends). Each file holds one collective anomaly after its first `trainRows` rows (unless
 * asked to put it inside them), where the sensors shift clearly: a detector trained on the first
 * rows of a file finds it.
 *
 * Deterministic (seeded), so tests may assert exact counts. Shared by the import tests and the
 * per-segment protocol tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const SENSOR_COLUMNS = ['accel1_rms', 'accel2_rms', 'current', 'pressure', 'temperature', 'thermocouple', 'voltage', 'flow_rate'] as const
export const SEGMENT_NAMES = ['a/0', 'a/1', 'b/0', 'b/1', 'c/0', 'c/1'] as const

export interface SegmentedFixtureOptions {
  /** Rows per file (default 120). */
  rowsPerFile?: number
  /** Rows at the start of each file that hold no anomaly (default 40). */
  trainRows?: number
  /** Rows of each file's anomaly (default 20). */
  anomalyRows?: number
  /** Segments whose anomaly starts inside their first `trainRows` rows (for unsupervised training). */
  anomalyInTraining?: string[]
  /** Write no `anomaly` column (the files are unlabelled; `changepoint` stays). Default false. */
  unlabelled?: boolean
  seed?: number
}

export interface SegmentLayout {
  /** Segment name as the import should give it: the path under the root, without `.csv`. */
  segment: string
  file: string
  rows: number
  /** Anomalous rows [start, end) within the file (0-based data rows). */
  anomaly: { start: number; end: number }
  /** Data rows where `changepoint` is 1. */
  changepoints: number[]
}

export interface SegmentedFixture {
  /** The folder to import: its name (`segmented`) is the dataset's default name. */
  root: string
  segments: SegmentLayout[]
  /** Feature columns in file order (what the import should keep as features). */
  features: string[]
  timestampColumn: 'datetime'
  labelColumn: 'anomaly'
  extraLabelColumn: 'changepoint'
  delimiter: ';'
  totalRows: number
  /** Anomalous rows over all files. */
  totalAnomalous: number
}

/** A small seeded generator (mulberry32): the fixture is the same on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const BASE = [0.027, 0.04, 1.3, 0.05, 70, 27, 230, 32]
const SPREAD = [0.002, 0.003, 0.3, 0.02, 0.5, 0.3, 2, 1]
/** How far each sensor moves during an anomaly, in its own spreads. */
const SHIFT = [6, 6, 5, 8, 4, 6, 5, 7]

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19)
}

/** Writes the 6-file fixture under `dir/segmented` and returns where and what it is. */
export function writeSegmentedFixture(dir: string, opts: SegmentedFixtureOptions = {}): SegmentedFixture {
  const rowsPerFile = opts.rowsPerFile ?? 120
  const trainRows = opts.trainRows ?? 40
  const anomalyRows = opts.anomalyRows ?? 20
  if (trainRows + anomalyRows + 2 > rowsPerFile) throw new Error('fixture: rowsPerFile too small for trainRows + anomalyRows')
  const random = rng(opts.seed ?? 7)
  const root = join(dir, 'segmented')
  const segments: SegmentLayout[] = []
  const t0 = Date.UTC(2020, 2, 9, 10, 14, 33)
  SEGMENT_NAMES.forEach((segment, k) => {
    const inTraining = opts.anomalyInTraining?.includes(segment) ?? false
    const room = rowsPerFile - trainRows - anomalyRows - 1
    const start = inTraining ? Math.floor(trainRows / 4) + (k % 3) : trainRows + 1 + Math.floor(random() * room)
    const anomaly = { start, end: start + anomalyRows }
    const changepoints = [anomaly.start, anomaly.end]
    const header = ['datetime', ...SENSOR_COLUMNS, ...(opts.unlabelled ? [] : ['anomaly']), 'changepoint']
    const lines = [header.join(';')]
    for (let i = 0; i < rowsPerFile; i++) {
      const inAnomaly = i >= anomaly.start && i < anomaly.end
      const sensors = BASE.map((b, c) => {
        const noise = (random() - 0.5) * 2 * SPREAD[c]
        return (b + noise + (inAnomaly ? SHIFT[c] * SPREAD[c] : 0)).toFixed(5)
      })
      const cells = [stamp(t0 + (k * rowsPerFile + i) * 1000), ...sensors, ...(opts.unlabelled ? [] : [inAnomaly ? '1' : '0']), changepoints.includes(i) ? '1' : '0']
      lines.push(cells.join(';'))
    }
    const [folder, name] = segment.split('/')
    mkdirSync(join(root, folder), { recursive: true })
    const file = join(root, folder, `${name}.csv`)
    writeFileSync(file, lines.join('\n') + '\n')
    segments.push({ segment, file, rows: rowsPerFile, anomaly, changepoints })
  })
  return {
    root,
    segments,
    features: [...SENSOR_COLUMNS],
    timestampColumn: 'datetime',
    labelColumn: 'anomaly',
    extraLabelColumn: 'changepoint',
    delimiter: ';',
    totalRows: rowsPerFile * segments.length,
    totalAnomalous: opts.unlabelled ? 0 : anomalyRows * segments.length
  }
}
