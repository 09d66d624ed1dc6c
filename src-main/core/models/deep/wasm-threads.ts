/**
 * tfjs-backend-wasm's multi-threaded SIMD build, started under Node.
 *
 * tfjs-backend-wasm 4.22 never starts its threaded build under Node, for three reasons, each
 * worked around here without touching the package:
 * 1. Its flag WASM_HAS_MULTITHREAD_SUPPORT returns false whenever IS_NODE (tfjs issue #3830).
 *    We do not go through that flag: `registerThreadedWasm` replaces the 'wasm' backend factory
 *    with one that instantiates the threaded build itself (the kernels, registered per backend
 *    name, are unchanged; `BackendWasm` is the package's own class).
 * 2. Its `init` hands Emscripten the pthread worker script and the main script as Blob URLs;
 *    Node's worker_threads cannot start a `blob:` URL, and the Emscripten worker reads the main
 *    script with fs.readFileSync. Here the worker starts from a `data:` URL (an ES module that
 *    gives the Emscripten worker script the CommonJS `require` it expects, so nothing is written
 *    to disk), and the main script is the glue file in the package's wasm-out folder, a path.
 * 3. Its C++ side caps the thread pool at `emscripten_num_logical_cores() / 2` (it assumes two
 *    hyper-threads per core), which is os.cpus().length / 2 under Node: one thread on a 2-core
 *    machine, whatever `setThreadsCount` asks. The `instantiateWasm` hook wraps that import so
 *    the cap is the thread count this process was given (the host decides it: host/compute-threads.ts).
 *
 * The glue pre-starts a pool of pthread workers (its compiled-in PTHREAD_POOL_SIZE, 8) and waits
 * for each to load the module; XNNPACK's pool takes `threads - 1` of them when the backend starts
 * and never asks for another. A real worker is a Node isolate that evaluates the glue and
 * instantiates the module: seconds and tens of MB each. So only the first `threads - 1` workers of
 * the pre-start are real; the others are placeholders that answer 'loaded' at once and are ended
 * before XNNPACK picks its workers (the glue hands out the pool's last entries first, so the
 * placeholders are taken out of it). Workers asked for later (none are) would be real ones.
 * The running workers are unref'd: they sleep between kernels and must not keep a finished
 * process alive.
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { wasmApi } from './wasm-simd-module'

const nodeRequire = createRequire(import.meta.url)

/** What the Emscripten glue of the threaded build needs from Node's Worker (the subset used here). */
interface PthreadWorker {
  terminate(): unknown
  unref(): void
}

/** The instantiated Emscripten module, as far as this file and BackendWasm use it. */
interface ThreadedModule {
  cwrap(name: string, ret: string | null, args: string[]): (...args: number[]) => number
  PThread: { unusedWorkers: PthreadWorker[]; runningWorkers: PthreadWorker[] }
  tfjs?: Record<string, (...args: number[]) => number>
}

interface EmscriptenImports {
  env: Record<string, unknown>
}

interface FactoryConfig {
  locateFile(path: string, prefix: string): string | URL
  mainScriptUrlOrBlob: string
  instantiateWasm(imports: EmscriptenImports, receive: (instance: object, module: object) => void): object
  onAbort(what: unknown): void
}

type Factory = (config: FactoryConfig) => Promise<ThreadedModule>

/** The package's folder (its wasm-out/ holds the Emscripten glue, dist/ the .wasm binaries). */
function packageDir(): string {
  return dirname(nodeRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json'))
}

/**
 * The pthread worker as a `data:` URL. The package ships the worker script as a JS string
 * (`wasmWorkerContents`, a template literal whose `\n` escapes became newlines: tfjs re-escapes
 * them the same way before making its Blob). The script is CommonJS-flavoured (`require`,
 * `__filename`), and a data: worker is an ES module, so a prologue defines both.
 */
function pthreadWorkerUrl(dir: string): URL {
  const workerModule = join(dir, 'wasm-out/tfjs-backend-wasm-threaded-simd.worker.js')
  const { wasmWorkerContents } = nodeRequire(workerModule) as { wasmWorkerContents: string }
  const prologue =
    `import { createRequire } from 'node:module';` +
    `const require = createRequire(${JSON.stringify(workerModule)});` +
    `const __filename = ${JSON.stringify(workerModule)};\n`
  return new URL('data:text/javascript,' + encodeURIComponent(prologue + wasmWorkerContents.replace(/\n/g, '\\n')))
}

/** A pre-started pool worker that is never used: it only tells the glue it has loaded. */
const PLACEHOLDER_WORKER = new URL(
  'data:text/javascript,' +
    encodeURIComponent(`import { parentPort } from 'node:worker_threads'; parentPort.on('message', (m) => { if (m.cmd === 'load') parentPort.postMessage({ cmd: 'loaded' }) })`)
)

/** Instantiates the threaded SIMD build with `threads - 1` pthread workers ready (the caller's thread is the other). */
async function instantiate(threads: number): Promise<ThreadedModule> {
  const dir = packageDir()
  const gluePath = join(dir, 'wasm-out/tfjs-backend-wasm-threaded-simd.js')
  const wasmPath = join(dir, 'dist/tfjs-backend-wasm-threaded-simd.wasm')
  const factory = nodeRequire(gluePath) as Factory
  const workerUrl = pthreadWorkerUrl(dir)
  let prestarting = true
  let real = 0
  const nextWorker = () => (!prestarting || real++ < threads - 1 ? workerUrl : PLACEHOLDER_WORKER)
  // Emscripten's glue makes this object its Module (PThread included) before it resolves: on a
  // failed start it is how the pool's workers are found and ended.
  const config: FactoryConfig & Partial<ThreadedModule> = {
    locateFile: (path) => (path.endsWith('.worker.js') ? nextWorker() : path.endsWith('.wasm') ? wasmPath : join(dir, 'wasm-out', path)),
    // Posted to each pthread worker, which reads it with fs.readFileSync and evaluates it.
    mainScriptUrlOrBlob: gluePath,
    instantiateWasm: (imports, receive) => {
      // tfjs's C++ sizes its pool as min(requested, logical cores / 2): report 2 x threads.
      imports.env.emscripten_num_logical_cores = () => 2 * threads
      wasmApi.instantiate(readFileSync(wasmPath), imports).then(
        (r) => receive(r.instance, r.module),
        (err: Error) => fail(err)
      )
      return {}
    },
    onAbort: (what) => fail(new Error(`the threaded wasm build aborted: ${String(what)}`))
  }
  let fail: (err: Error) => void = () => {}
  const mod = await new Promise<ThreadedModule>((resolve, reject) => {
    fail = reject
    factory(config).then(resolve, reject)
  }).catch((err: unknown) => {
    stopPool(config)
    throw err
  })
  prestarting = false
  // The pool in start order: the real workers first, then the placeholders.
  for (const w of mod.PThread.unusedWorkers.splice(threads - 1)) void w.terminate()
  return mod
}

/** Ends the pool's pthread workers, started or idle: a failed start must not leave isolates (tens of MB each) keeping the process alive. */
function stopPool(mod: Partial<ThreadedModule>): void {
  for (const w of [...(mod.PThread?.unusedWorkers ?? []), ...(mod.PThread?.runningWorkers ?? [])]) void w.terminate()
}

/** The C functions BackendWasm calls through `module.tfjs` (tfjs-backend-wasm's `init` wraps the same). */
function wrapTfjsExports(mod: ThreadedModule): void {
  mod.tfjs = {
    init: mod.cwrap('init', null, []),
    initWithThreadsCount: mod.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: mod.cwrap('get_threads_count', 'number', []),
    registerTensor: mod.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: mod.cwrap('dispose_data', null, ['number']),
    dispose: mod.cwrap('dispose', null, [])
  }
}

/** What `registerThreadedWasm` leaves its caller. */
export interface ThreadedWasmRegistration {
  /** Why the threaded build failed to start (tf.setBackend only answers false), or null. */
  error(): string | null
  /** Puts the package's own factory back (the single-threaded build). */
  restore(): void
}

/**
 * Makes the 'wasm' backend the threaded SIMD build with `threads` threads (>= 2). Call before
 * `tf.setBackend('wasm')`; if that answers false, `error()` says why and `restore()` puts the
 * single-threaded build back.
 */
export async function registerThreadedWasm(threads: number): Promise<ThreadedWasmRegistration> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm')
  const original = tf.findBackendFactory('wasm')
  // The priority the package registered 'wasm' with (registerBackend wants one; it only matters
  // when nobody calls setBackend), read back rather than copied.
  const priority = (tf.engine() as unknown as { registryFactory: Record<string, { priority: number } | undefined> }).registryFactory.wasm?.priority ?? 0
  let failure: string | null = null
  wasm.setThreadsCount(threads)
  tf.removeBackend('wasm')
  tf.registerBackend(
    'wasm',
    async () => {
      let mod: ThreadedModule | null = null
      try {
        mod = await instantiate(threads)
        wrapTfjsExports(mod)
        const backend: BackendWasm = new wasm.BackendWasm(mod as unknown as BackendWasm['wasm'])
        for (const w of mod.PThread.runningWorkers) w.unref()
        return backend
      } catch (err) {
        if (mod) stopPool(mod)
        failure = (err as Error).message.split('\n')[0]
        throw err
      }
    },
    priority
  )
  return {
    error: () => failure,
    restore: () => {
      tf.removeBackend('wasm')
      if (original) tf.registerBackend('wasm', original, priority)
    }
  }
}
