/**
 * The validators of the inputs table: each turns one raw input value into a typed value or
 * throws an InputError naming the input and saying what to give instead. Pure, except that
 * path checks look at the file system.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { parseJobTemplate } from '../k8s/job-template.js'
import type { JobObject } from '../k8s/types.js'
import { InputError } from './tool-path.js'
import type { ImageLoad } from './types.js'

export { expandHome, InputError, toolPath } from './tool-path.js'

export function oneOf<T extends string>(input: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new InputError(input, `'${value}' is not one of: ${allowed.join(', ')}`)
}

export function bool(input: string, value: string): boolean {
  // The same words core.getBooleanInput accepts (YAML 1.2 core schema), and nothing else.
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new InputError(input, `'${value}' is not a boolean: use true or false`)
}

const DURATION_PART = /(\d+(?:\.\d+)?)(h|m|s)/g

/** `90`, `90s`, `15m`, `1h30m` → seconds. */
export function parseDuration(value: string): number | undefined {
  if (/^\d+$/.test(value)) return Number(value)
  if (!/^(\d+(\.\d+)?(h|m|s))+$/.test(value)) return undefined
  let seconds = 0
  for (const [, n, unit] of value.matchAll(DURATION_PART)) {
    seconds += Number(n) * (unit === 'h' ? 3600 : unit === 'm' ? 60 : 1)
  }
  return Math.round(seconds)
}

export function duration(input: string, value: string): number {
  const seconds = parseDuration(value)
  if (seconds === undefined || seconds <= 0) {
    throw new InputError(input, `'${value}' is not a duration: use e.g. 90s, 15m or 1h30m`)
  }
  return seconds
}

export function integer(input: string, value: string, min: number, max: number): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new InputError(input, `'${value}' is not a whole number from ${min} to ${max}`)
  }
  return n
}

export function percentage(input: string, value: string): number {
  const n = Number(value.replace(/%$/, ''))
  if (!Number.isFinite(n) || n < 0 || n > 100) {
    throw new InputError(input, `'${value}' is not a percentage between 0 and 100`)
  }
  return n
}

export function version(input: string, value: string): string {
  if (!/^v\d+\.\d+\.\d+$/.test(value)) {
    throw new InputError(input, `'${value}' is not a release version like v1.2.3`)
  }
  return value
}

const QUANTITY = /^\d+(\.\d+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei)?$/

export function quantity(input: string, value: string): string {
  if (!QUANTITY.test(value)) {
    throw new InputError(
      input,
      `'${value}' is not a Kubernetes quantity like 512Mi, 2Gi, 500m or 2`
    )
  }
  return value
}

export function dnsLabel(input: string, value: string): string {
  if (value.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value)) {
    throw new InputError(
      input,
      `'${value}' is not a valid name: lower-case letters, digits and '-', at most 63 characters`
    )
  }
  return value
}

export function dnsSubdomain(input: string, value: string): string {
  if (value.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(value)) {
    throw new InputError(input, `'${value}' is not a valid Secret name`)
  }
  return value
}

// A Docker repository: optional registry host[:port], then lower-case path components.
const REPOSITORY =
  /^(?:(?:[a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/

export function parseImage(
  value: string,
  input = 'image'
): { repository: string; prebuilt?: string } {
  const [nameAndTag, digest] = value.split('@', 2)
  // A tag is a ':' after the last '/', so a registry port (localhost:5000/x) is not taken for one.
  const colon = nameAndTag.lastIndexOf(':')
  const hasTag = colon > nameAndTag.lastIndexOf('/')
  const repository = hasTag ? nameAndTag.slice(0, colon) : nameAndTag
  const tag = hasTag ? nameAndTag.slice(colon + 1) : undefined
  if (!REPOSITORY.test(repository)) {
    throw new InputError(
      input,
      `'${value}' is not a valid image repository like my-org/service-tests`
    )
  }
  if (tag !== undefined && !/^[\w][\w.-]{0,127}$/.test(tag)) {
    throw new InputError(input, `'${tag}' is not a valid image tag`)
  }
  if (digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new InputError(input, `'${digest}' is not a valid image digest (sha256:<64 hex>)`)
  }
  if (tag === 'latest') {
    throw new InputError(
      input,
      "':latest' is refused: the kubelet would try to pull it. Leave the tag out and the action tags the build by its content"
    )
  }
  const prebuilt = tag !== undefined || digest !== undefined
  return { repository, prebuilt: prebuilt ? value : undefined }
}

export function imageLoad(value: string): ImageLoad {
  if (value === 'kind' || value === 'none' || value === 'push') return { mode: value }
  if (!value.includes('{image}') && !value.includes('{archive}')) {
    throw new InputError(
      'image-load',
      `'${value}' is neither 'kind', 'none', 'push' nor a command containing {image} (e.g. docker save {image} | ctr -n k8s.io images import -) or, with go-package, {archive}`
    )
  }
  return { mode: 'command', command: value }
}

// DNS labels (never a leading '-': the host is an argument of docker login and logout).
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.)*[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?::\d+)?$/
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/

/** The host Docker Hub's repositories (`acme/tests`) are pushed to and logged in at. */
export const DOCKER_HUB = 'docker.io'

/**
 * A registry's repository prefix (`ghcr.io/acme`, `10.200.0.1:5000/tests`, `localhost:5000`,
 * or `acme` on Docker Hub) and its host, as Docker tells a host from a path: the first component
 * is a host when it has a '.' or a ':' or is `localhost`.
 */
export function registryPrefix(input: string, value: string): { prefix: string; host: string } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value))
    throw new InputError(input, `'${value}' must be given without a scheme (e.g. ghcr.io/acme)`)
  const prefix = value.replace(/\/+$/, '')
  const parts = prefix.split('/')
  const first = parts[0]
  const isHost = first.includes('.') || first.includes(':') || first === 'localhost'
  const bad = (why: string) =>
    new InputError(
      input,
      `'${value}' ${why}: give a registry host and path like ghcr.io/acme or 10.200.0.1:5000/tests`
    )
  if (isHost && !HOST.test(first)) throw bad(`has no valid host ('${first}')`)
  for (const c of isHost ? parts.slice(1) : parts)
    if (!PATH_COMPONENT.test(c))
      throw bad(`has an invalid path component ('${c}': lower-case, no tag or digest)`)
  return { prefix, host: isHost ? first.toLowerCase() : DOCKER_HUB }
}

/** What an artifact name may not hold (GitHub's artifact service refuses these too). */
const ARTIFACT_NAME_FORBIDDEN = /[":<>|*?\\/\r\n]/

/** The name of an artifact of the workflow run: `in-cluster-test-${{ github.job }}`. */
export function artifactName(input: string, value: string): string {
  const bad = ARTIFACT_NAME_FORBIDDEN.exec(value)
  if (bad)
    throw new InputError(
      input,
      `'${value}' cannot name an artifact: it holds ${JSON.stringify(bad[0])} (none of " : < > | * ? \\ / or a line break)`
    )
  return value
}

export function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/

/** A YAML map of scalar values (`KEY: value`), or `KEY=value` lines. Values become strings. */
export function stringMap(input: string, value: string): Record<string, string> {
  if (value === '') return {}
  let parsed: unknown
  const looksLikeAssignments = lines(value).every((l) => /^[^:=\s]+=/.test(l))
  if (looksLikeAssignments) {
    parsed = Object.fromEntries(
      lines(value).map((l) => {
        const i = l.indexOf('=')
        return [l.slice(0, i), l.slice(i + 1)]
      })
    )
  } else {
    try {
      parsed = parseYaml(value)
    } catch (e) {
      throw new InputError(input, `is not valid YAML: ${(e as Error).message.split('\n')[0]}`)
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputError(input, 'must be a YAML map of NAME: value (or NAME=value lines)')
  }
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (!ENV_NAME.test(k)) {
      throw new InputError(input, `'${k}' is not a valid variable name`)
    }
    if (v !== null && typeof v === 'object') {
      throw new InputError(
        input,
        `the value of ${k} must be a string, number or boolean, not a ${Array.isArray(v) ? 'list' : 'map'}`
      )
    }
    out[k] = v === null || v === undefined ? '' : String(v)
  }
  return out
}

/** A YAML list of strings, or words separated by white space (quotes are not interpreted). */
export function argList(input: string, value: string): string[] {
  const trimmed = value.trim()
  if (trimmed.startsWith('[') || trimmed.startsWith('- ')) {
    let parsed: unknown
    try {
      parsed = parseYaml(trimmed)
    } catch (e) {
      throw new InputError(
        input,
        `is not a valid YAML list: ${(e as Error).message.split('\n')[0]}`
      )
    }
    if (!Array.isArray(parsed) || parsed.some((a) => a !== null && typeof a === 'object')) {
      throw new InputError(input, 'must be a list of strings')
    }
    return parsed.map((a) => String(a))
  }
  return trimmed.split(/\s+/).filter((a) => a !== '')
}

/**
 * Values for a Helm chart: a YAML map (nested as the chart's values are). Checked when the inputs
 * are read, so a typo fails before any cluster work instead of as a render error later.
 */
export function helmValues(input: string, value: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = parseYaml(value)
  } catch (e) {
    throw new InputError(input, `is not valid YAML: ${(e as Error).message.split('\n')[0]}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputError(
      input,
      'must be a YAML map of chart values (e.g. `replicas: 2`), as in a values file'
    )
  }
  return parsed as Record<string, unknown>
}

/** A Helm chart folder: it holds Chart.yaml (what `helm template` and ArgoCD look for). */
export function isChart(p: string): boolean {
  return fs.existsSync(path.join(p, 'Chart.yaml'))
}

export function mustBeFile(input: string, p: string, what: string): void {
  if (!fs.statSync(p, { throwIfNoEntry: false })?.isFile())
    throw new InputError(input, `${p} is not a file: it should be ${what}`)
}

export function isDirectory(p: string): boolean {
  return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false
}

/** Reads and checks a job-template now, so a bad template fails before a cluster is made. */
export function parseJobTemplateFile(input: string, p: string): { path: string; job: JobObject } {
  try {
    return { path: p, job: parseJobTemplate(fs.readFileSync(p, 'utf8'), p) }
  } catch (e) {
    throw new InputError(input, (e as Error).message)
  }
}
