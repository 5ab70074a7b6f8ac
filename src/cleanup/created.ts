/**
 * The objects a run creates in the cluster (the secret-env Secret, the test Jobs), recorded in the
 * state as soon as they exist: main deletes the Secret in its own `finally`, and the post step
 * deletes whatever is still recorded, even when main was killed.
 */
import type { Logger } from '../ports.js'
import type { Kube, ObjectRef } from '../k8s/kube.js'
import { forgetCreated, recordCreated, type CreatedObject, type StateStore } from '../state.js'

/**
 * The objects the run creates in the cluster, recorded in the state as soon as they exist, so the
 * post step deletes them even when this process is killed.
 */
export class CreatedObjects {
  private readonly refs: ObjectRef[] = []
  constructor(private readonly state: StateStore) {}

  add(ref: ObjectRef): void {
    this.refs.push(ref)
    recordCreated(this.state, createdObject(ref))
  }

  async deleteSecrets(kube: Kube, log: Logger): Promise<void> {
    for (const ref of this.refs.filter((r) => r.kind === 'Secret')) {
      await kube
        .delete(ref)
        .then(() => forgetCreated(this.state, createdObject(ref)))
        .catch((e: Error) => log.warning(`Could not delete the Secret ${ref.name}: ${e.message}`))
    }
  }
}

/** What the state records of an object the run created (the post step deletes it by that). */
function createdObject(ref: ObjectRef): CreatedObject {
  return { kind: ref.kind as CreatedObject['kind'], namespace: ref.namespace ?? '', name: ref.name }
}
