// Whether out/ holds a build of the current sources: what `bin/workbench.cjs` checks before it
// runs the bundled CLI, and what the test and bench set-ups check before they build again
// (scripts/build-if-stale.mjs). By modification times: the build's oldest entry output against
// every file the build reads, so an edit, a checkout or a dependency change since the last build
// makes the bundle stale.
'use strict'
// Arrow functions: ESLint 10's no-inner-declarations (wrapped by eslint-plugin-svelte) crashes on
// top-level function declarations in CommonJS files.
const fs = require('node:fs')
const path = require('node:path')

/** What `electron-vite build` reads: the three bundles' sources and the files that configure them. */
const SOURCES = ['src-main', 'src-preload', 'src-renderer', 'package.json', 'package-lock.json', 'electron.vite.config.ts', 'svelte.config.js']
/** One entry output of each bundle, in the order the build writes them (main, preload, renderer). */
const OUTPUTS = ['out/main/cli.js', 'out/preload/index.cjs', 'out/renderer/index.html']

const mtimeMs = (file) => {
  try {
    return fs.statSync(file).mtimeMs
  } catch {
    return null
  }
}

/** The first file under `rel` (a file or a folder) modified after `since`, relative to root, or null. */
const newerThan = (root, rel, since) => {
  const full = path.join(root, rel)
  const own = mtimeMs(full)
  if (own === null) return null
  if (!fs.statSync(full).isDirectory()) return own > since ? rel : null
  // Folders too: a deleted or renamed source (`mv` keeps a file's own time) changes only its folder's.
  if (own > since) return rel
  for (const e of fs.readdirSync(full, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() && !e.isDirectory()) continue
    const file = path.join(e.parentPath, e.name)
    if (mtimeMs(file) > since) return path.relative(root, file)
  }
  return null
}

/**
 * `{ fresh: true }`, or `{ fresh: false, reason }` with the reason in words: the output that is
 * missing, or the first source modified since the build.
 */
const bundleState = (root) => {
  let built = Infinity
  for (const out of OUTPUTS) {
    const t = mtimeMs(path.join(root, out))
    if (t === null) return { fresh: false, reason: `${out} is missing` }
    built = Math.min(built, t)
  }
  for (const rel of SOURCES) {
    const newer = newerThan(root, rel, built)
    if (newer) return { fresh: false, reason: `${newer} changed since the last build` }
  }
  return { fresh: true, reason: null }
}

module.exports = { bundleState }
