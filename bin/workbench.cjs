#!/usr/bin/env node
// The `workbench` command. The CLI is TypeScript run through tsx's loader (no build step), on
// Node >= 22. On an older Node (this CommonJS file still runs there) it re-runs itself on the
// Node 24 binary that the optional dependency `node-<platform>-<arch>` installs into node_modules.
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
  const api = pathToFileURL(require.resolve('tsx/esm/api', { paths: [root] })).href
  import(api)
    .then(({ register }) => {
      register()
      return import(pathToFileURL(path.join(root, 'src-main', 'cli', 'main.ts')).href)
    })
    .then(({ main }) => main(process.argv.slice(2)))
    .then((code) => {
      process.exitCode = code
    })
    .catch((err) => {
      console.error(err && err.stack ? err.stack : err)
      process.exitCode = 1
    })
}
