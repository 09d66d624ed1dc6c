#!/usr/bin/env node
// `npm start`: the desktop app. Electron needs its binary (downloaded by the electron package on
// first use, from outside the npm registry) and a display; where either is missing, say so and
// open the same UI in a browser instead (`workbench serve`), which needs neither.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const node = process.execPath
const run = (args) => spawnSync(node, args, { cwd: root, stdio: 'inherit' }).status ?? 1

const electronVite = join(root, 'node_modules/electron-vite/bin/electron-vite.js')
// Built first: both ways open the build, and doctor then runs from the bundle, not the sources.
if (run([electronVite, 'build']) !== 0) process.exit(1)
const doctor = spawnSync(node, [join(root, 'bin/workbench.cjs'), 'doctor', '--json'], { cwd: root, encoding: 'utf8' })
let electron = { binaryPresent: false, detail: 'workbench doctor failed: ' + doctor.stderr }
try {
  electron = JSON.parse(doctor.stdout).electron
} catch {
  // No JSON from doctor: `electron` keeps the failure text set above.
}
const display = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY)

if (electron.binaryPresent && display) {
  process.exit(run([electronVite, 'preview', '--skipBuild']))
}
console.error(
  `npm start: cannot open the desktop window here (${!electron.binaryPresent ? `no Electron binary: ${electron.detail}` : 'no display: DISPLAY and WAYLAND_DISPLAY are unset'}).\n` +
    'Serving the same UI for a browser instead:'
)
process.exit(run([join(root, 'bin/workbench.cjs'), 'serve', ...process.argv.slice(2)]))
