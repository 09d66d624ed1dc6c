import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import type { Plugin } from 'vite'
import { HTML_META_POLICY } from './src-main/host/csp'
import { WORKER_KINDS, workerBundleName } from './src-main/host/worker-launcher'

/**
 * Writes the CSP into index.html as a <meta> tag (file:// loads in Electron have no headers). The
 * tag allows no WebSocket: Electron needs none, and the web host's header adds what it needs.
 */
function cspMeta(): Plugin {
  return {
    name: 'workbench-csp-meta',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: HTML_META_POLICY }, injectTo: 'head' }
    ]
  }
}

// Three bundles: the Node code in out/main (ESM, dependencies left in node_modules), the sandboxed
// preload (CommonJS: sandboxed preloads cannot load ES modules), and the Svelte renderer, which the
// web host serves unchanged from out/renderer.
export default defineConfig({
  main: {
    build: {
      // electron-vite externalizes `dependencies`; the optional tfjs WebGPU backend must stay
      // external too, or the bundle carries a second tfjs-core whose kernel registry the shared
      // engine never sees (the rung would then fail its parity check and fall back to wasm).
      externalizeDeps: { include: ['@tensorflow/tfjs-backend-webgpu'] },
      rollupOptions: {
        // The Electron main process, the `workbench` CLI (which holds the host and the web host
        // `serve`), and the three workers that Electron (utility processes) and the CLI (plain
        // `node`, no loader) fork by path, and the training worker's replica thread: one build, shared chunks between them.
        input: {
          main: resolve('src-main/electron/main.ts'),
          cli: resolve('src-main/cli/main.ts'),
          ...Object.fromEntries(WORKER_KINDS.map((kind) => [workerBundleName(kind), resolve(`src-main/workers/${kind}-worker.ts`)])),
          // A training worker's data-parallel gradient replicas (worker threads started by path
          // from the chunk beside it: core/models/deep/data-parallel.ts).
          'gradient-replica-thread': resolve('src-main/core/models/deep/gradient-replica-thread.ts')
        },
        // Shared chunks beside the entries, not in a chunks/ folder: modules that find files
        // relative to their own URL (app-meta.ts's APP_ROOT, two folders up) must sit in out/main
        // as they sit in src-main/<folder>, whichever chunk they land in.
        output: { chunkFileNames: '[name]-[hash].js' }
      }
    }
  },
  preload: {
    build: {
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src-preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    root: resolve('src-renderer'),
    plugins: [svelte({ configFile: resolve('svelte.config.js') }), cspMeta()],
    build: {
      // electron-vite leaves bundles unminified; the web host serves this one over HTTP too.
      minify: true,
      rollupOptions: { input: { index: resolve('src-renderer/index.html') } }
    }
  }
})
