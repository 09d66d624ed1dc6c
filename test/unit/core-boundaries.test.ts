/**
 * DESIGN.md section 1: `core/` is the engine, plain TypeScript. It must not import Electron, the
 * DOM, or the outer layers (host, electron, web, workers, cli, contract); only `src-main/electron`
 * and `src-preload` may import 'electron'.
 */
import { describe, it, expect } from 'vitest'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve, dirname } from 'node:path'

const ROOT = resolve(__dirname, '../..')

function tsFiles(dir: string, exts = ['.ts']): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? tsFiles(p, exts) : exts.some((e) => p.endsWith(e)) ? [p] : []
  })
}

/** Source without comments: a comment that mentions `require('electron')` imports nothing. */
function code(file: string): string {
  return readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|(^|[^:])\/\/.*$/gm, '$1')
}

function imports(file: string): string[] {
  const text = code(file)
  const out: string[] = []
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    out.push(m[1] ?? m[2] ?? m[3])
  }
  return out
}


describe('layering', () => {
  const coreFiles = tsFiles(join(ROOT, 'src-main/core'))

  it('finds the engine sources', () => {
    expect(coreFiles.length).toBeGreaterThan(10)
  })

  it('core/ imports no electron, DOM or outer layer', () => {
    const offences: string[] = []
    for (const file of coreFiles) {
      for (const spec of imports(file)) {
        if (spec === 'electron' || spec.startsWith('electron/')) offences.push(`${relative(ROOT, file)} imports ${spec}`)
        if (spec.startsWith('.')) {
          const target = relative(join(ROOT, 'src-main'), resolve(dirname(file), spec))
          if (!target.startsWith('core')) offences.push(`${relative(ROOT, file)} imports ${spec} (outside core/)`)
        }
      }
    }
    expect(offences).toEqual([])
  })

  it('core/ is typechecked without the DOM library, so a DOM global in it fails the typecheck', () => {
    const config = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: { lib: string[]; types: string[] }; include: string[] }
    expect(config.include).toContain('src-main/**/*.ts')
    expect(config.compilerOptions.lib.map((l) => l.toLowerCase()).filter((l) => l.startsWith('dom'))).toEqual([])
    expect(config.compilerOptions.types).toEqual(['node'])
  })

  it("only src-main/electron and src-preload import 'electron'", () => {
    const all = [...tsFiles(join(ROOT, 'src-main')), ...tsFiles(join(ROOT, 'src-renderer/src'), ['.ts', '.svelte'])]
    const offenders = all
      .filter((f) => imports(f).some((s) => s === 'electron' || s.startsWith('electron/')))
      .map((f) => relative(ROOT, f))
      .filter((f) => !f.startsWith('src-main/electron/'))
    expect(offenders).toEqual([])
  })

  it('the renderer imports from the main side only types, the contract, and the platform-free engine modules of core/eval', () => {
    // Like VS Code's common/ layer: the contract (schemas, wire codec) and the pure evaluation code
    // (threshold sweeps, metrics) run in the browser as they run in Node; nothing else does.
    const offences: string[] = []
    const shared: string[] = []
    for (const file of tsFiles(join(ROOT, 'src-renderer/src'), ['.ts', '.svelte'])) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/^\s*import\s+(type\s+)?[^'"]*from\s+['"]([^'"]*src-main[^'"]*)['"]/gm)) {
        if (m[1]) continue
        const target = relative(join(ROOT, 'src-main'), resolve(dirname(file), m[2]))
        if (target.startsWith('contract/') || target.startsWith('core/eval/')) shared.push(resolve(dirname(file), m[2]))
        else offences.push(`${relative(ROOT, file)}: ${m[0].trim()}`)
      }
    }
    // Whatever those modules import, transitively, must be platform-free too: no node: built-in,
    // no package but zod and yaml, nothing outside the contract and core.
    const seen = new Set<string>()
    const visit = (file: string, from: string) => {
      const path = file.endsWith('.ts') ? file : `${file}.ts`
      if (seen.has(path)) return
      seen.add(path)
      for (const spec of imports(path)) {
        if (spec.startsWith('.')) {
          const target = resolve(dirname(path), spec)
          const rel = relative(join(ROOT, 'src-main'), target)
          if (!rel.startsWith('contract/') && !rel.startsWith('core/')) offences.push(`${relative(ROOT, path)} (reached from ${from}) imports ${spec}`)
          else visit(target, from)
        } else if (spec !== 'zod' && spec !== 'yaml') {
          offences.push(`${relative(ROOT, path)} (reached from ${from}) imports ${spec}: not platform-free`)
        }
      }
    }
    for (const f of shared) visit(f, relative(ROOT, f))
    expect(offences).toEqual([])
  })
})
