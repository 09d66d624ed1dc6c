/** The bundle's README.md: what a reader needs to trust, load and use the model. */
import type { ModelConfig, Preprocessing } from './bundle'
import type { ThresholdChoice } from './build-bundle'

export interface ModelCardInput {
  name: string
  version: string
  runId: number | null
  experiment: string
  dataset: { id: string | null; name: string | null; rows: number | null; anomalyRate: number | null }
  train: { id: string | null; name: string | null; rows: number | null } | null
  config: ModelConfig
  preprocessing: Preprocessing
  metrics: Record<string, number> | null
  confusion: { tn: number; fp: number; fn: number; tp: number } | null
  targets: { text: string; actual: number | null; met: boolean }[]
  /** A threshold chosen after training (the config's threshold is then this one); null: as trained. */
  thresholdChoice?: ThresholdChoice | null
  onnxBytes: number
  parity: Record<string, number>
}

const pct = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? '-' : `${(x * 100).toFixed(2)} %`)
const dec = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? '-' : x.toFixed(4))

export function modelCard(c: ModelCardInput): string {
  const p = c.preprocessing
  const inputShape = `[${p.input.shape.join(', ')}]`
  const m = c.metrics ?? {}
  const lines = [
    `# ${c.name} ${c.version}`,
    '',
    `Anomaly detector (model kind \`${c.config.kind}\`) exported by Anomaly Workbench from run ${c.runId ?? '-'} of experiment \`${c.experiment}\`.`,
    `Scores are in [0, 1]; higher is more anomalous; a window is flagged when \`score >= ${c.config.threshold}\`.`,
    '',
    '## Data',
    '',
    ...(c.train ? [`- Trained on dataset version \`${c.train.id ?? '-'}\` (${c.train.name ?? 'unnamed'}${c.train.rows ? `, ${c.train.rows} rows` : ''}).`] : []),
    `- Tested on dataset version \`${c.dataset.id ?? '-'}\` (${c.dataset.name ?? 'unnamed'}${c.dataset.rows ? `, ${c.dataset.rows} rows` : ''}${c.dataset.anomalyRate != null ? `, ${pct(c.dataset.anomalyRate)} anomalous` : ''}); when train and test are one version, the experiment's split separates them.`,
    `- Features, in input order: ${p.features.map((f) => `\`${f}\``).join(', ')}.`,
    `- Feature recipe: ${p.featureRecipe}`,
    `- Window: ${p.window.length} row(s), stride ${p.window.stride}. Input \`${p.input.name}\` of shape ${inputShape}, raw feature values: the standard scaler (mean/scale in preprocessing.json) is folded into the model's first nodes.`,
    '',
    '## Model',
    '',
    `- Kind: \`${c.config.kind}\`; trained on backend \`${c.config.trainedOn.backend}\` with workbench ${c.config.trainedOn.workbenchVersion}.`,
    `- Params: \`${JSON.stringify(c.config.params)}\``,
    `- Threshold: ${thresholdText(c)}${c.config.scoreBands ? `; score bands: ${c.config.scoreBands.map((b) => `${b.name} from ${b.from}`).join(', ')}` : ''}.`,
    `- Outputs: ${c.config.outputs.map((o) => `\`${o.name}\` [${o.shape.join(', ')}] (${o.description})`).join('; ')}.`,
    `- model.onnx: ${(c.onnxBytes / 1e6).toFixed(2)} MB, IR 8, opset 15 (ai.onnx.ml 2). Parity with the trained model on the golden inputs: max abs difference ${Object.entries(c.parity).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')} (limit 1e-4).`,
    '',
    '## Test metrics',
    '',
    ...(c.thresholdChoice ? [`At the chosen threshold ${c.config.threshold} (metrics.json keeps those at the trained threshold under \`atTrainedThreshold\`).`, ''] : []),
    '| metric | value |',
    '|---|---|',
    ...(['accuracy', 'precision', 'recall', 'f1', 'fpr', 'specificity'] as const).map((k) => `| ${k} | ${pct(m[k])} |`),
    `| ROC AUC | ${dec(m.rocAuc)} |`,
    `| average precision | ${dec(m.averagePrecision)} |`,
    ''
  ]
  if (c.confusion) {
    lines.push(
      'Confusion matrix (test, at the threshold):',
      '',
      '| | predicted normal | predicted anomaly |',
      '|---|---|---|',
      `| actual normal | ${c.confusion.tn} | ${c.confusion.fp} |`,
      `| actual anomaly | ${c.confusion.fn} | ${c.confusion.tp} |`,
      ''
    )
  }
  if (c.targets.length) {
    lines.push('Targets:', '', ...c.targets.map((t) => `- ${t.met ? 'met' : 'NOT met'}: \`${t.text}\` (actual ${dec(t.actual)})`), '')
  }
  const shapeExample = p.input.shape.map((d) => (typeof d === 'number' ? d : 1))
  lines.push(
    '## Load it',
    '',
    'Node.js (onnxruntime-node):',
    '',
    '```js',
    "const ort = require('onnxruntime-node')",
    "const session = await ort.InferenceSession.create('model.onnx')",
    `const x = new ort.Tensor('float32', new Float32Array(${shapeExample.reduce((a, b) => a * b, 1)}), [${shapeExample.join(', ')}]) // raw features`,
    `const { ${c.config.outputs[0]?.name ?? 'score'} } = await session.run({ ${p.input.name}: x })`,
    `const anomalous = ${c.config.outputs[0]?.name ?? 'score'}.data[0] >= ${c.config.threshold}`,
    '```',
    '',
    'Python (onnxruntime):',
    '',
    '```python',
    'import json, numpy as np, onnxruntime as ort',
    "pre = json.load(open('preprocessing.json'))",
    "session = ort.InferenceSession('model.onnx')",
    `x = np.zeros((${shapeExample.join(', ')}), dtype=np.float32)  # raw features in pre['features'] order`,
    `score = session.run(None, {'${p.input.name}': x})[0]`,
    `anomalous = score >= ${c.config.threshold}`,
    '```',
    '',
    'Check it first: `workbench verify <bundle>` compares every file with manifest.json and reruns golden.json in ONNX Runtime;',
    '`workbench score <bundle> data.csv` scores a CSV with these columns.',
    ''
  )
  return lines.join('\n')
}

/** e.g. "0.61 (trained at 0.55, chosen at 0.61 on validation by rule pick-targets (meets every target …); decided …)" */
function thresholdText(c: ModelCardInput): string {
  const t = c.thresholdChoice
  if (!t) return `${c.config.threshold} (as trained)`
  const how = t.source === 'manual' ? 'by hand' : `on validation by rule ${t.source} (${t.basis.replace(/^chosen on validation: /, '')})`
  return `${t.chosen} (trained at ${t.trained ?? '-'}, chosen at ${t.chosen} ${how}${t.note ? `; note: ${t.note}` : ''}; decided ${t.decidedAt})`
}
