import { describe, expect, it } from '@jest/globals'
import { cleanup } from '../../src/cleanup/cleanup.js'
import { loadCleanupState, memoryStateStore, saveCleanupState } from '../../src/state.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

const created = { kindPath: 'kind', clusterName: 'ict', clusterCreated: true, keepCluster: false }

describe('post-step cleanup', () => {
  it('round-trips its state through the store', () => {
    const store = memoryStateStore()
    expect(loadCleanupState(store)).toBeUndefined()
    saveCleanupState(store, { ...created, exportLogsDir: '/logs' })
    expect(loadCleanupState(store)).toEqual({ ...created, exportLogsDir: '/logs' })
  })

  it('exports logs and deletes the cluster it created', async () => {
    const exec = new FakeExec()
    await cleanup({ ...created, exportLogsDir: '/logs' }, exec, new FakeLogger())
    expect(exec.commandLines()).toEqual([
      'kind export logs /logs --name ict',
      'kind delete cluster --name ict'
    ])
  })

  it('never deletes a cluster it did not create, nor one it was told to keep', async () => {
    const exec = new FakeExec()
    await cleanup({ ...created, clusterCreated: false }, exec, new FakeLogger())
    await cleanup({ ...created, keepCluster: true }, exec, new FakeLogger())
    expect(exec.calls).toEqual([])
  })

  it('only warns when export and delete fail (the failure path)', async () => {
    const exec = new FakeExec().on(() => true, {
      exitCode: 1,
      stderr: 'Cannot connect to the Docker daemon'
    })
    const log = new FakeLogger()
    await expect(
      cleanup({ ...created, exportLogsDir: '/logs' }, exec, log)
    ).resolves.toBeUndefined()
    expect(log.lines.filter((l) => l.level === 'warning').map((l) => l.message)).toEqual([
      "Could not export the cluster's logs: kind export logs failed: Cannot connect to the Docker daemon",
      "Could not delete the kind cluster 'ict': kind delete cluster --name ict failed: Cannot connect to the Docker daemon"
    ])
  })

  it('says so when the main step created nothing', async () => {
    const log = new FakeLogger()
    await cleanup(undefined, new FakeExec(), log)
    expect(log.text()).toMatch(/Nothing to clean up/)
  })
})
