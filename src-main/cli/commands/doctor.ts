/**
 * `workbench doctor`: what this machine gives the workbench. The one command that opens no host:
 * it must answer on a machine whose workspace cannot open (a newer schema, a locked or missing
 * database), so it asks the report `doctor.report` answers directly.
 */
import { doctorReport } from '../../host/doctor'
import { EXIT_FAILURE, EXIT_OK, printJson } from '../output'

export async function doctorCommand(workspace: string, opts: { json: boolean }): Promise<number> {
  const r = await doctorReport(workspace)
  if (opts.json) printJson(r)
  else {
    const lines = [
      `workbench     ${r.workbenchVersion}`,
      `node          ${r.node.version} (${r.node.ok ? 'ok' : `too old: needs ${r.node.required}`})`,
      `tfjs          ${r.tfjs.version}: training would use '${r.tfjs.backend}'`,
      ...r.tfjs.candidates.map((c) => `  ${c.available ? '+' : '-'} ${c.name.padEnd(15)} ${c.reason}`),
      `onnxruntime   ${r.onnxRuntime.version ?? 'missing'}${r.onnxRuntime.error ? ` (fails to load: ${r.onnxRuntime.error})` : ''}`,
      `sqlite        ${r.sqlite.version}`,
      `electron      ${r.electron.version ?? 'not installed'}: binary ${r.electron.binaryPresent ? 'present' : 'absent'} (${r.electron.detail})`,
      `cpus          ${r.cpus}`,
      `workspace     ${r.workspace}`,
      `code          ${r.code.from === 'bundle' ? 'the bundle in out/main, workers on plain node' : 'the TypeScript sources through tsx (`npm run build` makes the faster bundle)'}`
    ]
    process.stdout.write(lines.join('\n') + '\n')
  }
  return r.node.ok && !r.onnxRuntime.error ? EXIT_OK : EXIT_FAILURE
}
