/**
 * TrainingWorkers (host/training-workers.ts) over a launcher that records what it starts: which
 * ends of a trial leave its process warm for the next one, and which retire it.
 */
import { describe, it, expect } from 'vitest'
import { TrainingWorkers, DEFAULT_WARM_WORKERS, type TrialListener } from '../../src-main/host/training-workers'
import type { WorkerExit, WorkerHandle, WorkerLauncher } from '../../src-main/host/worker-launcher'
import type { FromWorker, ToWorker, TrainingJob } from '../../src-main/workers/protocol'

/** A worker process as the launcher's caller sees it: the messages it was sent, and a way to answer. */
class FakeWorker implements WorkerHandle<'training'> {
  readonly sent: ToWorker[] = []
  killed = false
  private listener: ((m: FromWorker) => void) | null = null
  constructor(readonly pid: number) {}
  send(message: ToWorker): void {
    this.sent.push(message)
  }
  onMessage(listener: (m: FromWorker) => void): void {
    this.listener = listener
  }
  onExit(_listener: (exit: WorkerExit) => void): void {}
  kill(): void {
    this.killed = true
  }
  say(m: FromWorker): void {
    this.listener!(m)
  }
}

class FakeLauncher implements WorkerLauncher {
  readonly started: FakeWorker[] = []
  launch<K>(_kind: K): WorkerHandle<never> {
    const w = new FakeWorker(1000 + this.started.length)
    this.started.push(w)
    return w as unknown as WorkerHandle<never>
  }
}

const job = (runId: number) => ({ runId }) as unknown as TrainingJob
const quiet: TrialListener = { onMessage: () => {}, onExit: () => {} }

/** Starts one trial, lets its worker come up, and ends the trial with `end`. */
function runTrial(workers: TrainingWorkers, launcher: FakeLauncher, runId: number, end: FromWorker): FakeWorker {
  const before = launcher.started.length
  const trial = workers.start(job(runId), 'warm', quiet)
  const w = launcher.started.find((x) => x.pid === trial.pid)!
  if (launcher.started.length > before) w.say({ type: 'ready' } as FromWorker)
  expect(w.sent.at(-1)).toMatchObject({ type: 'start' })
  w.say(end)
  return w
}

describe('warm training workers (fake processes)', () => {
  it('a worker whose trial was done or cancelled serves the next trial', () => {
    const launcher = new FakeLauncher()
    const workers = new TrainingWorkers(launcher, DEFAULT_WARM_WORKERS)
    const a = runTrial(workers, launcher, 1, { type: 'cancelled', reason: 'by the user' } as FromWorker)
    const b = runTrial(workers, launcher, 2, { type: 'done' } as unknown as FromWorker)
    expect(b).toBe(a)
    expect(launcher.started).toHaveLength(1)
    workers.close()
  })

  it('a worker whose trial failed is retired and the next trial gets a new process', () => {
    const launcher = new FakeLauncher()
    const workers = new TrainingWorkers(launcher, DEFAULT_WARM_WORKERS)
    const failed = runTrial(workers, launcher, 1, { type: 'error', message: 'the GPU device was lost' } as FromWorker)
    expect(failed.sent.at(-1)).toEqual({ type: 'exit' })
    const next = runTrial(workers, launcher, 2, { type: 'done' } as unknown as FromWorker)
    expect(next).not.toBe(failed)
    expect(launcher.started).toHaveLength(2)
    workers.close()
  })
})
