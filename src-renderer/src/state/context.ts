import { getContext, setContext } from 'svelte'
import type { WorkbenchClient } from '../api/client'
import type { BundlesStore } from './bundles.svelte'
import type { ConnectionStore } from './connection.svelte'
import type { DatasetsStore } from './datasets.svelte'
import type { DoctorStore } from './doctor.svelte'
import type { ExperimentsStore } from './experiments.svelte'
import type { NotificationsStore } from './notifications.svelte'
import type { QueueStore } from './queue.svelte'
import type { RemoteStore } from './remote.svelte'
import type { Router } from './router.svelte'
import type { RunsStore } from './runs.svelte'

/** Everything the views share, created once in main.ts and handed down through context. */
export interface Stores {
  api: WorkbenchClient
  connection: ConnectionStore
  runs: RunsStore
  experiments: ExperimentsStore
  datasets: DatasetsStore
  queue: QueueStore
  remote: RemoteStore
  bundles: BundlesStore
  doctor: DoctorStore
  notifications: NotificationsStore
  router: Router
}

const KEY = Symbol('workbench-stores')

export function setStores(stores: Stores): void {
  setContext(KEY, stores)
}

export function getStores(): Stores {
  const s = getContext<Stores | undefined>(KEY)
  if (!s) throw new Error('getStores() called outside <App>')
  return s
}
