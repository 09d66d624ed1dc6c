/**
 * The renderer's comforts as pure functions: the theme shown for a choice and the system's
 * preference, the command palette's fuzzy matching, the keyboard shortcut table's matching, and
 * which host events make a notice.
 */
import { describe, it, expect } from 'vitest'
import { parseThemeChoice, resolveTheme, toggledTheme } from '../../src-renderer/src/lib/theme'
import { fuzzyScore, matchEntries } from '../../src-renderer/src/lib/palette'
import { ACTIONS, keyLabel, keyName, matchKey } from '../../src-renderer/src/lib/shortcuts'
import { arrivedBundles, finishedSearches, runNotice } from '../../src-renderer/src/lib/notices'
import type { BundleInfo, QueuedExperiment } from '../../src-main/contract/api'

describe('theme resolution', () => {
  it('follows the system only when the choice is "system"', () => {
    expect(resolveTheme('system', true)).toBe('dark')
    expect(resolveTheme('system', false)).toBe('light')
    expect(resolveTheme('light', true)).toBe('light')
    expect(resolveTheme('dark', false)).toBe('dark')
  })

  it('reads a stored choice back, anything unknown following the system', () => {
    expect(parseThemeChoice('dark')).toBe('dark')
    expect(parseThemeChoice('light')).toBe('light')
    expect(parseThemeChoice('system')).toBe('system')
    expect(parseThemeChoice(null)).toBe('system')
    expect(parseThemeChoice('sepia')).toBe('system')
  })

  it('the quick toggle pins the other of what is shown', () => {
    expect(toggledTheme('dark')).toBe('light')
    expect(toggledTheme('light')).toBe('dark')
  })
})

describe('the command palette matching', () => {
  const entries = [
    { label: 'Go to Runs' },
    { label: 'Run 12 · helios-detection-iforest', keywords: '#12 iforest done' },
    { label: 'Run 7 · nab-lstm-grid', keywords: '#7 lstm failed' },
    { label: 'Dataset · helios-events', keywords: '3f2a9c0d generated' }
  ]

  it('finds a run by part of its experiment name, letters in order but not adjacent', () => {
    expect(matchEntries('detection', entries).map((e) => e.label)).toEqual(['Run 12 · helios-detection-iforest'])
    expect(matchEntries('hdif', entries)[0]!.label).toBe('Run 12 · helios-detection-iforest')
    expect(fuzzyScore('xyz', 'helios-detection')).toBeNull()
  })

  it('needs every word of the query, and matches the hidden keywords too', () => {
    expect(matchEntries('helios run', entries).map((e) => e.label)).toEqual(['Run 12 · helios-detection-iforest'])
    expect(matchEntries('failed', entries).map((e) => e.label)).toEqual(['Run 7 · nab-lstm-grid'])
    expect(matchEntries('3f2a', entries).map((e) => e.label)).toEqual(['Dataset · helios-events'])
  })

  it('ranks a word start above letters spread out, and keeps the order for an empty query', () => {
    const ranked = matchEntries('run', entries).map((e) => e.label)
    expect(ranked.slice(0, 2)).toEqual(['Run 12 · helios-detection-iforest', 'Run 7 · nab-lstm-grid'])
    expect(ranked).toContain('Go to Runs')
    expect(matchEntries('', entries)).toEqual(entries)
    expect(matchEntries('', entries, 2)).toHaveLength(2)
  })

  it('is case-blind, a substring ranking above the same letters spread out', () => {
    expect(matchEntries('HELIOS-DET', entries).map((e) => e.label)).toEqual(['Run 12 · helios-detection-iforest', 'Dataset · helios-events'])
  })
})

describe('keyboard shortcuts', () => {
  const press = (key: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey', boolean>> = {}) =>
    keyName({ key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods })

  it('names presses as the table writes them', () => {
    expect(press('k', { ctrlKey: true })).toBe('Mod+k')
    expect(press('k', { metaKey: true })).toBe('Mod+k')
    expect(press('?', { shiftKey: true })).toBe('?')
    expect(press('R', { shiftKey: true })).toBe('Shift+R')
    expect(press('g')).toBe('g')
  })

  it('matches sequences, waits on a prefix, and starts over on a stray key', () => {
    expect(matchKey([], 'g')).toEqual({ action: null, pending: ['g'] })
    expect(matchKey(['g'], 'r')).toEqual({ action: 'go-runs', pending: [] })
    expect(matchKey(['g'], 'd')).toEqual({ action: 'go-datasets', pending: [] })
    expect(matchKey(['g'], 'q')).toEqual({ action: 'go-queue', pending: [] })
    expect(matchKey([], '?')).toEqual({ action: 'help', pending: [] })
    expect(matchKey([], 'Mod+k')).toEqual({ action: 'palette', pending: [] })
    expect(matchKey(['g'], 'x')).toEqual({ action: null, pending: [] })
    expect(matchKey(['g'], '/')).toEqual({ action: 'focus-filter', pending: [] })
    expect(matchKey([], 'z')).toEqual({ action: null, pending: [] })
  })

  it('gives every action but the palette-only one a distinct key sequence', () => {
    const seqs = ACTIONS.filter((a) => a.keys.length).map((a) => a.keys.join(' '))
    expect(new Set(seqs).size).toBe(seqs.length)
    expect(keyLabel('Mod+k', false)).toBe('Ctrl+K')
    expect(keyLabel('Mod+k', true)).toBe('⌘K')
  })
})

describe('notices from host events', () => {
  const run = { id: 3, experimentName: 'helios-detection-iforest', statusReason: null, targetsMet: null }

  it('a run failing makes one notice that links to the run', () => {
    const n = runNotice({ status: 'running', targetsMet: null }, { ...run, status: 'failed', statusReason: 'worker exited' })
    expect(n).toEqual({ tone: 'bad', title: 'Run 3 failed', body: 'helios-detection-iforest: worker exited', route: { name: 'run', id: 3 } })
    expect(runNotice({ status: 'failed', targetsMet: null }, { ...run, status: 'failed' })).toBeNull()
    expect(runNotice(undefined, { ...run, status: 'failed' })?.tone).toBe('bad')
  })

  it('a run finishing with its targets met makes a notice, once; progress makes none', () => {
    expect(runNotice({ status: 'running', targetsMet: null }, { ...run, status: 'done', targetsMet: true })?.title).toBe('Run 3 met its targets')
    expect(runNotice({ status: 'done', targetsMet: true }, { ...run, status: 'done', targetsMet: true })).toBeNull()
    expect(runNotice({ status: 'running', targetsMet: null }, { ...run, status: 'done', targetsMet: false })).toBeNull()
    expect(runNotice({ status: 'queued', targetsMet: null }, { ...run, status: 'running' })).toBeNull()
  })

  it('a search finishes when its last queued or running trial ends (not when cancelled)', () => {
    const exp = (id: number, counts: Partial<QueuedExperiment['counts']>, status: QueuedExperiment['status'] = 'active') =>
      ({ id, name: `search ${id}`, status, total: 12, counts: { queued: 0, running: 0, done: 0, failed: 0, cancelled: 0, skipped: 0, ...counts } }) as QueuedExperiment
    const before = [exp(1, { queued: 2, running: 1, done: 9 }), exp(2, { running: 1, done: 11 }), exp(3, { running: 2 }, 'active')]
    const now = [exp(1, { queued: 1, running: 1, done: 10 }), exp(2, { done: 11, failed: 1 }), exp(3, { cancelled: 2 }, 'cancelled')]
    expect(finishedSearches(before, now)).toEqual([{ tone: 'bad', title: 'Search “search 2” finished', body: '11 done, 1 failed of 12 trials', route: { name: 'leaderboard', experimentId: 2 } }])
    expect(finishedSearches(now, now)).toEqual([])
  })

  it('a bundle new in the shared folder makes a notice; local ones and known ones do not', () => {
    const b = (dir: string, location: 'local' | 'shared') => ({ dir, folder: dir.split('/').pop(), location, name: 'detector', version: '1.0.0', kind: 'iforest' }) as BundleInfo
    const known = new Set(['/shared/a'])
    const notices = arrivedBundles(known, [b('/shared/a', 'shared'), b('/shared/b', 'shared'), b('/local/c', 'local')])
    expect(notices).toEqual([{ tone: 'info', title: 'A bundle arrived in the shared folder', body: 'detector 1.0.0 · iforest', route: { name: 'bundles' } }])
  })
})
