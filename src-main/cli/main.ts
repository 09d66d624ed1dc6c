/**
 * The `workbench` command line. Exit codes: 0 ok, 1 failure (a run that failed, targets not met
 * with --require-targets, an internal error), 2 bad usage or bad input (the contract's error codes
 * decide: output.ts EXIT_BY_CODE). `--json` prints one JSON document on stdout; progress and logs
 * go to stderr. Every command but `serve` and `doctor` talks to the host through the contract
 * (contract-client.ts); `serve` hands the host to the web front door.
 */
import { parseArgs } from 'node:util'
import { resolve } from 'node:path'
import { WorkbenchHost, INTERACTIVE_HOST } from '../host/workbench-host'
import { NodeWorkerLauncher } from '../host/node-worker-launcher'
import { defaultWorkspaceDir, WORKBENCH_VERSION } from '../host/app-meta'
import { ApiError } from '../contract/api'
import { EXIT_USAGE, EXIT_FAILURE, EXIT_BY_CODE, UsageError, errorText } from './output'
import { contractClient } from './contract-client'
import { runCommand } from './commands/run'
import { runsShow } from './commands/runs'
import { runsListCommand, runsAnnotateCommand } from './commands/runs-list'
import { runsCompareCommand } from './commands/compare'
import { runsThreshold, runsErrors } from './commands/runs-analysis'
import { doctorCommand } from './commands/doctor'
import { agentCommand } from './commands/agent'
import { serveCommand } from './commands/serve'
import { datasetsCommand } from './commands/datasets'
import { exportCommand, verifyCommand, scoreCommand } from './commands/bundles'
import { commandLinePaths } from './command-paths'
import { settingsCommand } from './commands/settings'
import { runsPredictions } from './commands/predictions'
import { checkCommand } from './commands/check'

const USAGE = `workbench ${WORKBENCH_VERSION}: train, compare and export time-series anomaly detectors

usage:
  workbench run <spec.json> [--json] [--require-targets] [--repeat N] [--redis URL [--local-slots N] [--queue Q]]
                                                           run an experiment in worker processes; --repeat: with N
                                                           seeds, reporting each metric's mean and spread; --redis:
                                                           on the agents serving that Redis too, and N trials here
                                                           (0: agents only; default one per core)
  workbench agent --redis redis://[user:pass@]host:6379[/db] [--concurrency N] [--name NAME] [--queue Q]
                                                           run trials for hosts that send them to that Redis (rediss://
                                                           for TLS); opens no port; Ctrl-C stops it
  workbench runs list [--filter k=v ...] [--sort COLUMN] [--order asc|desc] [--limit N] [--csv FILE] [--json]
                                                           the run history: filter by experiment (id or name), kind,
                                                           status, dataset, targets (met|not-met|none), tag, text; sort
                                                           by id, experiment, status, createdAt, durationMs, targets,
                                                           metric:<name> or param:<name>; --csv writes every match
  workbench runs compare <id> <id> [<id> <id>] [--limit N] [--json]
                                                           2-4 runs side by side: params diff, metrics, per-type recall,
                                                           and the test windows one run flags and another does not
  workbench runs annotate <id> [--tag T ...] [--note TEXT]  a run's tags (replaced) and note
  workbench runs show <id> [--json]                        one run with its per-epoch history and threshold decisions
  workbench runs threshold <id> [--at T | --pick targets|objective | --reset] [--save] [--note TEXT] [--json]
                                                           metrics per stored split at a threshold (default: the chosen,
                                                           else the trained one); --pick chooses on validation and reports
                                                           test at it; --save keeps it as the run's threshold (bundles
                                                           exported afterwards carry it); --reset goes back to the trained one
  workbench runs errors <id> --kind fn|fp [--split test] [--threshold T] [--sort margin|score|type|time] [--order asc|desc]
                          [--limit N] [--json]             missed windows (fn) or false alarms (fp), traced to their rows;
                                                           --json lists every one
  workbench runs predictions <id> --to FILE.csv|.parquet [--split test] [--rule last|max] [--threshold T] [--json]
                                                           per-row predictions (row, timestamp, segment, label, score,
                                                           flag) and the point-wise metrics they give
  workbench check <spec.json|.yaml> [--json]              a spec's problems (field paths), trial count and the time
                                                           past runs of its model kind suggest; queues nothing
  workbench doctor [--json]                                Node, tfjs backend, ONNX Runtime, Electron binary
  workbench serve [--port N] [--experiments DIR]           the UI in a browser on 127.0.0.1
  workbench export <run> [--to DIR] [--json]              the run as a deployable bundle (ONNX, parity-checked)
  workbench verify <bundle> [--json]                       checksums + golden inputs rerun in ONNX Runtime
  workbench score <bundle> <file.csv> [--json]             per-window scores and flags, in the inference worker
  workbench datasets generate <scenario> [--seed N] [--scale X] [--param k=v ...] [--json]
  workbench datasets import <file or folder...> [--label-column C] [--type-column C] [--extra-label-column C ...]
                          [--ignore-column C ...] [--timestamp-column C] [--entity-column C] [--interval 5m]
                          [--name N] [--missing forward-fill|interpolate|refuse] [--json]
                                                           one dataset, one segment per file (named by its path
                                                           under the folder); --interval: the sampling step of files
                                                           without a timestamp column (30s, 5m, 1h, ms)
  workbench datasets list [--json] | show <id> [--json] | export <id> --to FILE.csv
                                                           dataset versions (ids: content hash or unique prefix)
  workbench settings [--json] | settings set <key> <value> maxTrialsPerSearch (or 'default'), sharedDir, bundlesDir

options:
  --shared DIR      the shared bundle folder for this command (exports land there)
  --bundles DIR     the local bundle library for this command
  --workspace DIR   workspace folder (default: ${defaultWorkspaceDir()}, or $WORKBENCH_WORKSPACE)
  --json            one JSON document on stdout
  -h, --help        this text
  -v, --version     the version
`

const options = {
  workspace: { type: 'string' },
  experiments: { type: 'string' },
  json: { type: 'boolean', default: false },
  port: { type: 'string' },
  'require-targets': { type: 'boolean', default: false },
  // runs threshold / runs errors
  at: { type: 'string' },
  pick: { type: 'string' },
  save: { type: 'boolean', default: false },
  reset: { type: 'boolean', default: false },
  note: { type: 'string' },
  kind: { type: 'string' },
  split: { type: 'string' },
  threshold: { type: 'string' },
  sort: { type: 'string' },
  order: { type: 'string' },
  limit: { type: 'string' },
  // runs list / annotate
  filter: { type: 'string', multiple: true },
  csv: { type: 'string' },
  tag: { type: 'string', multiple: true },
  repeat: { type: 'string' },
  redis: { type: 'string' },
  'local-slots': { type: 'string' },
  queue: { type: 'string' },
  concurrency: { type: 'string' },
  rule: { type: 'string' },
  seed: { type: 'string' },
  scale: { type: 'string' },
  param: { type: 'string', multiple: true },
  'label-column': { type: 'string' },
  'timestamp-column': { type: 'string' },
  'entity-column': { type: 'string' },
  'type-column': { type: 'string' },
  'extra-label-column': { type: 'string', multiple: true },
  'ignore-column': { type: 'string', multiple: true },
  interval: { type: 'string' },
  missing: { type: 'string' },
  name: { type: 'string' },
  to: { type: 'string' },
  shared: { type: 'string' },
  bundles: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'v', default: false }
} as const

export async function main(argv: string[]): Promise<number> {
  let host: WorkbenchHost | null = null
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true })
    if (values.version) {
      process.stdout.write(`${WORKBENCH_VERSION}\n`)
      return 0
    }
    const [command, ...rest] = positionals
    if (values.help || !command) {
      process.stdout.write(USAGE)
      return command || values.help ? 0 : EXIT_USAGE
    }
    const workspace = resolve(values.workspace ?? defaultWorkspaceDir())
    const json = values.json
    const hostOptions = {
      workspaceDir: workspace,
      launcher: new NodeWorkerLauncher(),
      experimentsDir: values.experiments,
      sharedDir: values.shared,
      bundlesDir: values.bundles,
      allowedPaths: commandLinePaths(command, rest, { to: values.to })
    }
    /** A host for one command, reached through the contract like any front door. */
    const openHost = (o: { concurrency?: number } = {}) => contractClient((host = new WorkbenchHost({ ...hostOptions, ...o, frontDoor: 'cli' })))

    switch (command) {
      case 'run': {
        if (rest.length !== 1) throw new UsageError('run takes exactly one spec file: workbench run <spec.json>')
        const repeat = values.repeat === undefined ? undefined : Number(values.repeat)
        const localSlots = values['local-slots'] === undefined ? undefined : Number(values['local-slots'])
        if (localSlots !== undefined && (!Number.isInteger(localSlots) || localSlots < 0)) throw new UsageError(`--local-slots must be a whole number >= 0, got '${values['local-slots']}'`)
        if (values.redis === undefined && (localSlots !== undefined || values.queue !== undefined)) throw new UsageError('--local-slots and --queue go with --redis URL')
        const remote = values.redis === undefined ? undefined : { url: values.redis, localSlots, queue: values.queue }
        return await runCommand(openHost, rest[0], { json, requireTargets: values['require-targets'], repeat, remote })
      }
      case 'runs': {
        const [sub, id] = rest
        if (sub === 'list') return await runsListCommand(openHost(), { json, filter: values.filter, sort: values.sort, order: values.order, limit: values.limit, csv: values.csv })
        if (sub === 'compare') return await runsCompareCommand(openHost(), rest.slice(1), { json, limit: values.limit })
        if (sub === 'annotate') return await runsAnnotateCommand(openHost(), id, { json, tag: values.tag, note: values.note })
        if (sub === 'show') return await runsShow(openHost(), id, { json })
        if (sub === 'predictions') return await runsPredictions(openHost(), id, { json, to: values.to, split: values.split, rule: values.rule, threshold: values.threshold })
        if (sub === 'threshold') return await runsThreshold(openHost(), id, { json, at: values.at, pick: values.pick, save: values.save, reset: values.reset, note: values.note })
        if (sub === 'errors') {
          return await runsErrors(openHost(), id, { json, kind: values.kind, split: values.split, threshold: values.threshold, sort: values.sort, order: values.order, limit: values.limit })
        }
        throw new UsageError(`runs takes 'list', 'show <id>', 'threshold <id>', 'errors <id>', 'compare <id> <id>…', 'annotate <id>' or 'predictions <id> --to FILE', got '${sub ?? ''}'`)
      }
      case 'datasets':
        return await datasetsCommand(openHost(), rest, {
          json,
          seed: values.seed,
          scale: values.scale,
          param: values.param,
          labelColumn: values['label-column'],
          timestampColumn: values['timestamp-column'],
          entityColumn: values['entity-column'],
          typeColumn: values['type-column'],
          extraLabelColumns: values['extra-label-column'],
          ignoreColumns: values['ignore-column'],
          interval: values.interval,
          missing: values.missing,
          name: values.name,
          to: values.to
        })
      case 'export':
        return await exportCommand(openHost(), rest[0], { to: values.to, json })
      case 'verify':
        return await verifyCommand(openHost(), rest[0], { json })
      case 'score':
        return await scoreCommand(openHost(), rest[0], rest[1], { json })
      case 'settings':
        return await settingsCommand(openHost(), rest, { json })
      case 'check':
        return await checkCommand(openHost(), rest[0], { json })
      case 'agent':
        return await agentCommand(workspace, { redis: values.redis, concurrency: values.concurrency, name: values.name, queue: values.queue })
      case 'doctor':
        return await doctorCommand(workspace, { json })
      case 'serve': {
        const port = values.port === undefined ? 0 : Number(values.port)
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got '${values.port}'`)
        // The browser's front door: the host a person works in, handed to the web server.
        return await serveCommand((host = new WorkbenchHost({ ...hostOptions, ...INTERACTIVE_HOST, frontDoor: 'web' })), { port, json })
      }
      default:
        throw new UsageError(`unknown command '${command}'\n\n${USAGE}`)
    }
  } catch (err) {
    if (err instanceof ApiError) {
      // An internal error keeps its stack (the original error's, kept as the cause): it is a bug to report.
      const cause = err.cause instanceof Error ? err.cause : null
      process.stderr.write(`workbench: ${err.code === 'internal' && cause?.stack ? cause.stack : errorText(err)}\n`)
      return EXIT_BY_CODE[err.code]
    }
    const e = err as Error & { code?: string }
    if (e instanceof UsageError || e.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`workbench: ${e.message}\n`)
      return EXIT_USAGE
    }
    process.stderr.write(`workbench: ${e.stack ?? e.message}\n`)
    return EXIT_FAILURE
  } finally {
    await (host as WorkbenchHost | null)?.close()
  }
}
