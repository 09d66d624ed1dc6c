/** `workbench serve`: the UI in a browser, over the same API as the desktop app. */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { WorkbenchHost } from '../../host/workbench-host'
import { startWebServer } from '../../web/server'
import { APP_ROOT } from '../../host/app-meta'
import { EXIT_OK, UsageError } from '../output'
import type { AppInfo } from '../../contract/api'

export async function serveCommand(host: WorkbenchHost, opts: { port: number; json: boolean }): Promise<number> {
  const staticDir = join(APP_ROOT, 'out', 'renderer')
  if (!existsSync(join(staticDir, 'index.html'))) {
    throw new UsageError(`the renderer is not built (${staticDir} has no index.html): run \`npm run build\` first, or use \`npm run serve\``)
  }
  const server = await startWebServer({ host, staticDir, port: opts.port })
  const { workspace } = (await host.call('app.info', {})) as AppInfo
  // The URL line is what scripts and tests wait for: print it on stdout, alone.
  if (opts.json) process.stdout.write(JSON.stringify({ url: server.url, port: server.port, workspace }) + '\n')
  else {
    process.stdout.write(
      `Anomaly Workbench is serving ${workspace}\nOpen ${server.url}\n` +
        `(that address gives this browser a cookie; its other tabs then need only http://127.0.0.1:${server.port}/)\n`
    )
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await server.close()
  return EXIT_OK
}
