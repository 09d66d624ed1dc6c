/**
 * The `workbench` command line. Exit codes: 0 ok, 1 failure (a run that failed, targets not met
 * with --require-targets), 2 bad usage or bad input. `--json` prints one JSON document on stdout;
 * progress and logs go to stderr.
 */
import { parseArgs } from 'node:util'
import { resolve } from 'node:path'
import { WorkbenchHost } from '../host/workbench-host'
import { NodeWorkerLauncher } from '../host/node-worker-launcher'
import { defaultWorkspaceDir, WORKBENCH_VERSION } from '../host/app-meta'
import { EXIT_USAGE, EXIT_FAILURE, UsageError } from './output'
import { runCommand } from './commands/run'
import { runsList, runsShow } from './commands/runs'
import { doctorCommand } from './commands/doctor'
import { serveCommand } from './commands/serve'
import { datasetsCommand } from './commands/datasets'
import { exportCommand, verifyCommand, scoreCommand } from './commands/bundles'
import { commandLinePaths } from './command-paths'
import { settingsCommand } from './commands/settings'

const USAGE = `workbench ${WORKBENCH_VERSION}: train, compare and export time-series anomaly detectors

usage:
  workbench run <spec.json> [--json] [--require-targets]   run an experiment in a worker process
  workbench runs list [--json]                             every run: id, experiment, params, status, metrics
  workbench runs show <id> [--json]                        one run with its per-epoch history
  workbench doctor [--json]                                Node, tfjs backend, ONNX Runtime, Electron binary
  workbench serve [--port N] [--experiments DIR]           the UI in a browser on 127.0.0.1
  workbench export <run> [--to DIR] [--json]              the run as a deployable bundle (ONNX, parity-checked)
  workbench verify <bundle> [--json]                       checksums + golden inputs rerun in ONNX Runtime
  workbench score <bundle> <file.csv> [--json]             per-window scores and flags, in the inference worker
  workbench datasets generate <scenario> [--seed N] [--scale X] [--param k=v ...] [--json]
  workbench datasets import <file...> [--label-column C] [--timestamp-column C] [--entity-column C] [--name N]
                          [--missing forward-fill|interpolate|refuse] [--json]
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
  seed: { type: 'string' },
  scale: { type: 'string' },
  param: { type: 'string', multiple: true },
  'label-column': { type: 'string' },
  'timestamp-column': { type: 'string' },
  'entity-column': { type: 'string' },
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
    const openHost = (watch = false) =>
      (host = new WorkbenchHost({
        workspaceDir: workspace,
        launcher: new NodeWorkerLauncher(),
        frontDoor: 'web',
        experimentsDir: values.experiments,
        watchExperiments: watch,
        sharedDir: values.shared,
        bundlesDir: values.bundles,
        allowedPaths: commandLinePaths(command, rest, { to: values.to })
      }))

    switch (command) {
      case 'run': {
        if (rest.length !== 1) throw new UsageError('run takes exactly one spec file: workbench run <spec.json>')
        return await runCommand(openHost(), rest[0], { json, requireTargets: values['require-targets'] })
      }
      case 'runs': {
        const [sub, id] = rest
        if (sub === 'list') return runsList(openHost(), { json })
        if (sub === 'show') return runsShow(openHost(), id, { json })
        throw new UsageError(`runs takes 'list' or 'show <id>', got '${sub ?? ''}'`)
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
      case 'doctor':
        return await doctorCommand(workspace, { json })
      case 'serve': {
        const port = values.port === undefined ? 0 : Number(values.port)
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got '${values.port}'`)
        return await serveCommand(openHost(true), { port, json })
      }
      default:
        throw new UsageError(`unknown command '${command}'\n\n${USAGE}`)
    }
  } catch (err) {
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
