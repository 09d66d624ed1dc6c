#!/usr/bin/env node
// `npm run bench [name]`: runs every bench/*.bench.ts (or those whose name contains `name`) with
// tsx and prints their figures, after building out/ if it is stale (the benches that run
// `workbench` measure the bundle users run). Never part of `npm test`.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import buildIfStale from './build-if-stale.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const filter = process.argv[2] ?? ''
const benches = readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.bench.ts') && f.includes(filter)).sort()
if (benches.length === 0) {
  console.error(`no bench matches '${filter}'`)
  process.exit(2)
}
buildIfStale()
let failed = 0
for (const b of benches) {
  console.log(`\n## ${b}  (node ${process.version}, ${new Date().toISOString()})`)
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', b)], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) failed++
}
process.exit(failed ? 1 : 0)
