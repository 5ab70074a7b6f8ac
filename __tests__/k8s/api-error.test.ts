import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { ApiException } from '@kubernetes/client-node'
import {
  apiErrorMessage,
  apiStatus,
  compactGoValues,
  isImmutableFieldError,
  MAX_API_MESSAGE
} from '../../src/k8s/api-error.js'

// Status bodies the v1.32.9 API server sent (captured by __fixtures__/k8s/capture-errors.mts).
const body = (name: string) =>
  readFileSync(new URL(`../../__fixtures__/k8s/${name}.json`, import.meta.url), 'utf8')

/**
 * What the API server answers a server-side apply that changes a Job's pod template: 422 Invalid,
 * the rejected template quoted back in Go syntax (shortened here; a real one runs to several
 * thousand characters, strings with braces included), the field in details.causes.
 */
const template =
  'core.PodTemplateSpec{ObjectMeta:v1.ObjectMeta{Name:"", GenerateName:"", Namespace:"", ' +
  'Labels:map[string]string{"batch.kubernetes.io/controller-uid":"4c1d", "job-name":"db-setup"}, ' +
  'Annotations:map[string]string(nil)}, Spec:core.PodSpec{Containers:[]core.Container{' +
  'core.Container{Name:"migrate", Image:"migrate:2", Command:[]string{"sh", "-c", "echo \\"}{\\" && migrate up"}, ' +
  'Args:[]string(nil)}}, RestartPolicy:"Never"}}'
const immutable = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: `Job.batch "db-setup" is invalid: spec.template: Invalid value: ${template}: field is immutable`,
  reason: 'Invalid',
  details: {
    name: 'db-setup',
    group: 'batch',
    kind: 'Job',
    causes: [
      {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${template}: field is immutable`,
        field: 'spec.template'
      }
    ]
  },
  code: 422
}

// client-node 1.x: the generated APIs throw with 'Unknown API Status Code!', the objects API with
// 'Unsuccessful HTTP Request'; the body is the response's text.
const thrown = (code: number, b: unknown, message = 'Unknown API Status Code!') =>
  new ApiException(code, message, b, { 'content-type': 'application/json', 'audit-id': 'x' })

describe('apiErrorMessage', () => {
  it('is the Status message with its code and reason, not the exception dump', () => {
    const e = thrown(400, body('status-400-bad-selector'))
    expect(e.message).toMatch(/^HTTP-Code: 400\nMessage: Unknown API Status Code!\nBody: "/)
    expect(apiErrorMessage(e)).toBe(
      "unable to parse requirement: found '!', expected: identifier (400 BadRequest)"
    )
  })

  it("keeps a validation message whole (the server's own for an invalid Job)", () => {
    const m = apiErrorMessage(thrown(422, body('status-422-invalid-job')))
    expect(m).toMatch(
      /^Job.batch "Bad_Name" is invalid: \[metadata.name: Invalid value: "Bad_Name"/
    )
    expect(m).toMatch(/spec.template.spec.restartPolicy: Required value: .*\] \(422 Invalid\)$/)
    expect(m).not.toContain('Headers')
  })

  it('cuts the Go dump of an immutable template to its type, so the reason survives', () => {
    const m = apiErrorMessage(thrown(422, JSON.stringify(immutable), 'Unsuccessful HTTP Request'))
    expect(m).toBe(
      'Job.batch "db-setup" is invalid: spec.template: Invalid value: core.PodTemplateSpec{…}: field is immutable (422 Invalid)'
    )
  })

  it('reads a body that is already parsed', () => {
    expect(apiErrorMessage(thrown(422, immutable))).toContain('field is immutable (422 Invalid)')
  })

  it('is never longer than the limit, the code and reason kept', () => {
    const long = { ...immutable, message: `${'x'.repeat(5000)} is invalid` }
    const m = apiErrorMessage(thrown(422, long))
    expect(m.length).toBe(MAX_API_MESSAGE)
    expect(m).toMatch(/x… \(422 Invalid\)$/)
    expect(apiErrorMessage(thrown(422, long), 60)).toHaveLength(60)
  })

  it('takes the Message line when there is no body (the log endpoint on 404)', () => {
    const e = new ApiException(404, 'Error occurred in log request', undefined, { date: 'x' })
    expect(apiErrorMessage(e)).toBe('Error occurred in log request (HTTP 404)')
  })

  it('keeps a body that is not a Status as one line of text', () => {
    const html = '<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>'
    expect(apiErrorMessage(thrown(502, html))).toBe('502 Bad Gateway nginx (HTTP 502)')
  })

  it('names the causes of a Status without a message', () => {
    const s = { kind: 'Status', code: 422, reason: 'Invalid', details: immutable.details }
    expect(apiErrorMessage(thrown(422, s))).toBe(
      'spec.template: Invalid value: core.PodTemplateSpec{…}: field is immutable (422 Invalid)'
    )
  })

  it('passes other errors through as one line', () => {
    expect(apiErrorMessage(new Error('connect ECONNREFUSED\n127.0.0.1:6443'))).toBe(
      'connect ECONNREFUSED 127.0.0.1:6443'
    )
    expect(apiErrorMessage('plain')).toBe('plain')
  })
})

describe('compactGoValues', () => {
  it('leaves quoted values and text without a Go value alone', () => {
    const m = 'metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain {x}'
    expect(compactGoValues(m)).toBe(m)
  })

  it('cuts each Go value, keeping what is between', () => {
    expect(
      compactGoValues(
        'a: Invalid value: map[string]string{"k":"}"}: field is immutable, b: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x"}}: field is immutable'
      )
    ).toBe(
      'a: Invalid value: map[string]string{…}: field is immutable, b: Invalid value: v1.LabelSelector{…}: field is immutable'
    )
  })

  it('keeps a value whose braces do not close (a message cut short)', () => {
    const m = 'Invalid value: core.PodSpec{Containers:[]core.Container{'
    expect(compactGoValues(m)).toBe(m)
  })
})

describe('isImmutableFieldError', () => {
  it('is true for a 422 whose message or causes say the field is immutable', () => {
    expect(isImmutableFieldError(thrown(422, JSON.stringify(immutable)))).toBe(true)
    const causeOnly = { ...immutable, message: 'Job.batch "db-setup" is invalid' }
    expect(isImmutableFieldError(thrown(422, causeOnly))).toBe(true)
  })

  it('reads the Status our own errors keep', () => {
    const ours = Object.assign(new Error('Applying Job/db-setup in db: …'), {
      code: 422,
      status: immutable
    })
    expect(isImmutableFieldError(ours)).toBe(true)
    expect(apiStatus(ours)?.details?.kind).toBe('Job')
  })

  it('is false for other errors', () => {
    expect(isImmutableFieldError(thrown(422, body('status-422-invalid-job')))).toBe(false)
    expect(isImmutableFieldError(thrown(409, { ...immutable, code: 409 }))).toBe(false)
    expect(isImmutableFieldError(new Error('field is immutable'))).toBe(false)
    expect(isImmutableFieldError(undefined)).toBe(false)
  })
})
