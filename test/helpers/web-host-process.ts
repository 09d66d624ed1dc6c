/**
 * A web host in a process of its own, for tests that must see whether hostile input kills it.
 *
 *   node --import tsx test/helpers/web-host-process.ts WORKSPACE STATIC_DIR TOKEN
 *
 * Prints `{"port":N}` as its first stdout line, serves until SIGTERM. (Not `workbench serve`:
 * that serves the built renderer, which integration tests run before `npm run build` cannot
 * rely on.)
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WorkbenchHost } from '../../src-main/host/workbench-host'
import { NodeWorkerLauncher } from '../../src-main/host/node-worker-launcher'
import { startWebServer } from '../../src-main/web/server'

const [workspaceDir, staticDir, token] = process.argv.slice(2)
const repo = fileURLToPath(new URL('../..', import.meta.url))
const host = new WorkbenchHost({ workspaceDir, launcher: new NodeWorkerLauncher(), frontDoor: 'web', experimentsDir: join(repo, 'experiments'), concurrency: 1 })
const server = await startWebServer({ host, staticDir, port: 0, token })
process.stdout.write(JSON.stringify({ port: server.port }) + '\n')
process.once('SIGTERM', () => {
  void server
    .close()
    .then(() => host.close())
    .then(() => process.exit(0))
})
