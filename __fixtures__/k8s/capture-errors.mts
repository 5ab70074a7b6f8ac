// Captures the Status bodies the API server sends with real errors (what ApiException.body holds).
// Usage: KUBECONFIG=/var/lib/in-cluster-test/cluster/admin.kubeconfig npx tsx __fixtures__/k8s/capture-errors.mts
import { writeFileSync } from 'node:fs'
import { createKube } from '../../src/k8s/client.ts'

const kube = createKube(process.env.KUBECONFIG)
const cases: Array<[string, () => Promise<unknown>]> = [
  [
    'status-422-invalid-job',
    () =>
      kube.create({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'Bad_Name', namespace: 'default' },
        spec: {}
      })
  ],
  ['status-400-bad-selector', () => kube.listPods('default', '!!bad')]
]
for (const [file, call] of cases) {
  try {
    await call()
    throw new Error(`${file}: the call did not fail`)
  } catch (e) {
    // describeApiError keeps the server's Status (the ApiException's body, parsed) as `.status`.
    const status = (e as { status?: object }).status
    if (!status) throw e
    const out = `${import.meta.dirname}/${file}.json`
    writeFileSync(out, JSON.stringify(status, null, 2) + '\n')
  }
}
