// The action's inputs for testing example/ on the local cluster, shared by the end-to-end run
// and the fault suite: the existing cluster, local images and the example's test image.
export function exampleInputs(secret, namespace = 'example') {
  return {
    cluster: 'existing',
    kubeconfig: process.env.KUBECONFIG_PATH,
    namespace,
    context: 'example',
    dockerfile: 'Dockerfile.test',
    'build-args': process.env.GO_BUILD_ARG,
    image: 'example/integration-tests',
    'image-load': 'bash hack/local-cluster/load-image.sh {image}',
    'env-from-secrets': 'postgres-credentials',
    'secret-env': `JWT_SECRET: ${secret}`
  }
}

/** The test container's plain env: where PostgreSQL is, plus any switches of the example. */
export function exampleEnv(extra = '', namespace = 'example') {
  return `POSTGRES_HOST: postgres.${namespace}.svc.cluster.local\n${extra}`
}
