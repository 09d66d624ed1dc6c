/**
 * A stand-in training worker that breaks the protocol (test/integration/worker-protocol.test.ts):
 * it starts like the real one, then reports an epoch whose loss is text, and keeps talking as if
 * nothing happened. Plain JS, forked as a bundled worker entry (no loader).
 */
process.on('message', (m) => {
  if (m.type !== 'start') return
  process.send({ type: 'started', backend: { name: 'stand-in', skipped: [] } })
  process.send({ type: 'epoch', epoch: 1, metrics: { loss: 'high' }, confusion: null })
  // A worker that goes on as if nothing happened: the host must have stopped listening (and the process).
  setInterval(() => process.send({ type: 'log', level: 'info', message: 'still here' }), 50)
})
process.send({ type: 'ready', pid: process.pid })
