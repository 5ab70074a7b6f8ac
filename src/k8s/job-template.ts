/**
 * The test Job's template: parsed and checked once, when the inputs are read, so a bad template
 * fails before any cluster work. The stages render it (job/render.ts) and find the test
 * container in it here.
 */
import { parseAllDocuments } from 'yaml'
import type { Container, JobObject } from './types.js'

/** The name of the test container in the built-in template, and the one looked for in others. */
export const CONTAINER = 'tests'

export class TemplateError extends Error {
  constructor(source: string, message: string) {
    super(`Job template ${source}: ${message}`)
    this.name = 'TemplateError'
  }
}

/** Parses and checks a template: exactly one batch/v1 Job with at least one container. */
export function parseJobTemplate(text: string, source: string): JobObject {
  const docs = parseAllDocuments(text)
  const values: unknown[] = []
  for (const d of docs) {
    if (d.errors.length > 0)
      throw new TemplateError(source, `is not valid YAML: ${d.errors[0].message.split('\n')[0]}`)
    const v = d.toJS() as unknown
    if (v !== null && v !== undefined) values.push(v)
  }
  if (values.length !== 1) {
    throw new TemplateError(
      source,
      `must hold exactly one object (a batch/v1 Job), found ${values.length}`
    )
  }
  const obj = values[0] as Record<string, unknown>
  if (
    typeof obj !== 'object' ||
    Array.isArray(obj) ||
    obj.kind !== 'Job' ||
    obj.apiVersion !== 'batch/v1'
  ) {
    throw new TemplateError(source, `must be a batch/v1 Job, but is ${describeValue(obj)}`)
  }
  const containers = (obj as unknown as JobObject).spec?.template?.spec?.containers
  if (!Array.isArray(containers) || containers.length === 0) {
    throw new TemplateError(source, 'has no spec.template.spec.containers')
  }
  testContainerIndex(containers, source)
  return obj as unknown as JobObject
}

/** What a parsed template is, for the error when it is not a Job. */
function describeValue(v: unknown): string {
  if (Array.isArray(v)) return `a list of ${v.length}`
  if (typeof v !== 'object' || v === null)
    return `a ${typeof v} (${JSON.stringify(v).slice(0, 40)})`
  const o = v as Record<string, unknown>
  const api = typeof o.apiVersion === 'string' ? o.apiVersion : '(no apiVersion)'
  const kind = typeof o.kind === 'string' ? o.kind : '(no kind)'
  return `${api} ${kind}`
}

/** The test container of a template or a rendered Job (see testContainerIndex). */
export function testContainer(job: JobObject): Container {
  const containers = job.spec.template.spec.containers
  return containers[testContainerIndex(containers)]
}

/**
 * Which container runs the tests: the one named `tests`, or the only one whatever its name. With
 * several and none named `tests`, guessing would put the test image into a sidecar: the error
 * says which names there are and what to do.
 */
export function testContainerIndex(
  containers: Array<{ name?: string }>,
  source = 'the template'
): number {
  const named = containers.findIndex((c) => c.name === CONTAINER)
  if (named >= 0) return named
  if (containers.length === 1) return 0
  const names = containers.map((c) => (typeof c.name === 'string' ? `'${c.name}'` : '(unnamed)'))
  throw new TemplateError(
    source,
    `has ${containers.length} containers (${names.join(', ')}) and none is named '${CONTAINER}': name the container that runs the tests '${CONTAINER}'`
  )
}
