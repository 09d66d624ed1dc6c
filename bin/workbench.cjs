#!/usr/bin/env node
// The `workbench` command: the CLI bundle `npm run build` writes (out/main/cli.js, plain ESM, its
// dependencies in node_modules), on Node >= 22. On an older Node (this CommonJS file still runs
// there) it re-runs itself on the Node 24 binary that the optional dependency
// `node-<platform>-<arch>` installs into node_modules.
//
// While the bundle is missing or older than the sources, it runs the TypeScript sources through
// tsx instead, with one line on stderr saying why. That is what a developer editing the sources
// wants: the edit runs at once, with no build to remember between edits (refusing would make every
// try wait for one; running the stale bundle would run code that is no longer there), and the line
// says they are not running what users run and how to get it. Only where tsx (a devDependency) is
// absent too does it stop and say to build.
'use strict'
const path = require('node:path')
const { pathToFileURL } = require('node:url')
const root = path.resolve(__dirname, '..')
const major = Number(process.versions.node.split('.')[0])

if (major < 22) {
  let node
  try {
    const pkg = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`
    const manifest = require.resolve(`${pkg}/package.json`, { paths: [root] })
    node = path.join(path.dirname(manifest), require(manifest).bin.node)
  } catch {
    console.error(`workbench needs Node >= 22 (this is ${process.version}) and node_modules has no Node 24: run \`npm install\``)
    process.exit(2)
  }
  const { spawn } = require('node:child_process')
  const child = spawn(node, [__filename, ...process.argv.slice(2)], { stdio: 'inherit' })
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig))
  child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)))
} else {
  const state = require('./bundle-state.cjs').bundleState(root)
  let cli
  if (state.fresh) cli = import(pathToFileURL(path.join(root, 'out', 'main', 'cli.js')).href)
  else {
    let api
    try {
      api = pathToFileURL(require.resolve('tsx/esm/api', { paths: [root] })).href
    } catch {
      console.error(`workbench: ${state.reason} and tsx is not installed to run the sources: run \`npm run build\``)
      process.exit(2)
    }
    console.error(`workbench: running the TypeScript sources through tsx: ${state.reason} (\`npm run build\` for the bundle)`)
    cli = import(api).then(({ register }) => {
      register()
      return import(pathToFileURL(path.join(root, 'src-main', 'cli', 'main.ts')).href)
    })
  }
  cli
    .then(({ main }) => main(process.argv.slice(2)))
    .then((code) => {
      process.exitCode = code
    })
    .catch((err) => {
      console.error(err && err.stack ? err.stack : err)
      process.exitCode = 1
    })
}
