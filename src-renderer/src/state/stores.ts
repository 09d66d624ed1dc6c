import { connect } from '../api/client'
import type { Stores } from './context'
import { BundlesStore } from './bundles.svelte'
import { ConnectionStore } from './connection.svelte'
import { DatasetsStore } from './datasets.svelte'
import { DoctorStore } from './doctor.svelte'
import { ExperimentsStore } from './experiments.svelte'
import { NotificationsStore } from './notifications.svelte'
import { QueueStore } from './queue.svelte'
import { RemoteStore } from './remote.svelte'
import { Router } from './router.svelte'
import { RunsStore } from './runs.svelte'

export function createStores(): Stores {
  const api = connect()
  const router = new Router()
  return {
    api,
    connection: new ConnectionStore(api),
    runs: new RunsStore(api),
    experiments: new ExperimentsStore(api),
    datasets: new DatasetsStore(api),
    queue: new QueueStore(api),
    remote: new RemoteStore(api),
    bundles: new BundlesStore(api),
    doctor: new DoctorStore(api),
    notifications: new NotificationsStore(api, router),
    router
  }
}
