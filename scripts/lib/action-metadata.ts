/**
 * Checks an action's metadata (action.yml) the way a workflow engine reads it, before any code
 * of the action runs. GitHub's runner parses the file against its action schema
 * (actions/runner src/Runner.Worker/action_yaml.json): `${{ }}` is an expression wherever it
 * appears, and only `inputs.<id>.default` (and a composite action's `outputs.<id>.value`) has
 * contexts to evaluate one in, so an example expression in a description stops the action from
 * loading at all ("Unrecognized named-value: 'github'"; act: "expressions are not allowed here").
 * A pure function of the file's text and what the caller knows of the code, so a test can feed it
 * broken copies.
 */
import { isMap, isPair, isScalar, isSeq, parseDocument, type Node } from 'yaml'

/** The contexts the runner gives an input's default (action_yaml.json, input-default-context). */
export const DEFAULT_CONTEXTS = ['github', 'strategy', 'matrix', 'job', 'runner'] as const
/** Functions any expression may call, and the ones only some places have. */
const BUILTIN_FUNCTIONS = [
  'contains',
  'startswith',
  'endswith',
  'format',
  'join',
  'tojson',
  'fromjson'
]
const DEFAULT_FUNCTIONS = [...BUILTIN_FUNCTIONS, 'hashfiles']
const STATUS_FUNCTIONS = ['success', 'always', 'failure', 'cancelled']
/** JavaScript runtimes GitHub's hosted runners have (node12 and node16 were removed). */
export const NODE_RUNTIMES = ['node20', 'node24'] as const
const ROOT_KEYS = ['name', 'author', 'description', 'inputs', 'outputs', 'runs', 'branding']
const INPUT_KEYS = ['description', 'required', 'default', 'deprecationMessage']
const NODE_RUNS_KEYS = ['using', 'main', 'pre', 'pre-if', 'post', 'post-if']
const COLORS = ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark']

export interface CodeContract {
  /** Inputs the code reads (the inputs table). */
  inputs: readonly string[]
  /** Outputs the code sets. */
  outputs: readonly string[]
  /** Whether a file named in runs (relative to the action's folder) exists. */
  exists(path: string): boolean
}

export interface Problem {
  /** Where, as a dotted path (`inputs.foo.description`) with the line when known. */
  at: string
  message: string
}

interface Expression {
  text: string
  namedValues: string[]
  functions: string[]
}

/** The `${{ … }}` expressions in a string, with the names they use (a small tokenizer: string
 * literals skipped, `a.b` and `a['b']` counted as `a`, `f(` as a function). */
export function expressionsIn(value: string): Expression[] {
  const found: Expression[] = []
  let from = 0
  for (;;) {
    const start = value.indexOf('${{', from)
    if (start < 0) return found
    const end = closingBraces(value, start + 3)
    const text = value.slice(start + 3, end < 0 ? value.length : end).trim()
    found.push({ text, ...namesIn(text) })
    if (end < 0) return found
    from = end + 2
  }
}

function closingBraces(value: string, from: number): number {
  for (let i = from; i < value.length; i++) {
    if (value[i] === "'") {
      const close = value.indexOf("'", i + 1)
      if (close < 0) return -1
      i = close
    } else if (value.startsWith('}}', i)) return i
  }
  return -1
}

function namesIn(text: string): { namedValues: string[]; functions: string[] } {
  const namedValues: string[] = []
  const functions: string[] = []
  const token = /'(?:[^']|'')*'|[A-Za-z_][A-Za-z0-9_-]*|\S/g
  let previous = ''
  for (let m = token.exec(text); m; m = token.exec(text)) {
    const word = m[0]
    if (/^[A-Za-z_]/.test(word) && previous !== '.') {
      const rest = text.slice(token.lastIndex).trimStart()
      const lower = word.toLowerCase()
      if (rest.startsWith('(')) functions.push(lower)
      else if (!['true', 'false', 'null', 'nan', 'infinity'].includes(lower))
        namedValues.push(lower)
    }
    previous = word
  }
  return { namedValues, functions }
}

/** Every problem a workflow engine (or a user of the action) would hit with this metadata. */
export function checkActionMetadata(text: string, code: CodeContract): Problem[] {
  const problems: Problem[] = []
  // uniqueKeys: the runner refuses a mapping that repeats a key; YAML libraries keep the last.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false })
  for (const e of doc.errors) problems.push({ at: lineOf(text, e.pos?.[0]), message: e.message })
  if (doc.errors.length > 0) return problems
  const lineAt = (node: Node | null | undefined) => lineOf(text, node?.range?.[0])

  walkScalars(doc.contents as Node, [], (path, value, node) => {
    const expressions = expressionsIn(value)
    if (expressions.length === 0) return
    const where = `${path.join('.')} (${lineAt(node)})`
    const isDefault = path.length === 3 && path[0] === 'inputs' && path[2] === 'default'
    // A condition is checked as one (checkRuns): it takes no ${{ }} either.
    if (path[0] === 'runs' && /^(pre|post)-if$/.test(path[1] ?? '')) return
    if (!isDefault) {
      problems.push({
        at: where,
        message: `expressions are not allowed here (only in an input's default): ${'${{ '}${expressions[0].text} }}`
      })
      return
    }
    for (const e of expressions) {
      for (const name of e.namedValues.filter(
        (n) => !(DEFAULT_CONTEXTS as readonly string[]).includes(n)
      ))
        problems.push({
          at: where,
          message: `Unrecognized named-value: '${name}' (a default may use ${DEFAULT_CONTEXTS.join(', ')})`
        })
      for (const f of e.functions.filter((n) => !DEFAULT_FUNCTIONS.includes(n)))
        problems.push({ at: where, message: `Unrecognized function: '${f}' in an input's default` })
    }
  })

  const root = doc.toJS() as Record<string, unknown> | null
  if (!root || typeof root !== 'object')
    return [...problems, { at: 'root', message: 'not a mapping' }]
  for (const key of ['name', 'description', 'runs'])
    if (root[key] === undefined || root[key] === '')
      problems.push({ at: key, message: `${key} is required` })
  for (const key of Object.keys(root))
    if (!ROOT_KEYS.includes(key)) problems.push({ at: key, message: `unknown key '${key}'` })

  problems.push(...checkInputs(root.inputs, code))
  problems.push(...checkOutputs(root.outputs, code))
  problems.push(...checkRuns(root.runs, code))
  const branding = root.branding as { color?: string } | undefined
  if (branding?.color !== undefined && !COLORS.includes(branding.color))
    problems.push({
      at: 'branding.color',
      message: `'${branding.color}' is not one of ${COLORS.join(', ')}`
    })
  return problems
}

function checkInputs(value: unknown, code: CodeContract): Problem[] {
  const problems: Problem[] = []
  const inputs = (value ?? {}) as Record<string, Record<string, unknown> | null>
  for (const [name, input] of Object.entries(inputs)) {
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name))
      problems.push({
        at: `inputs.${name}`,
        message: 'an input id starts with a letter or _ and holds only letters, digits, - and _'
      })
    if (name !== name.toLowerCase())
      problems.push({
        at: `inputs.${name}`,
        message: 'the runner lowercases input ids: use lowercase'
      })
    if (!input || typeof input !== 'object') {
      problems.push({ at: `inputs.${name}`, message: 'an input is a mapping with a description' })
      continue
    }
    if (typeof input.description !== 'string' || input.description.trim() === '')
      problems.push({
        at: `inputs.${name}.description`,
        message: 'every input needs a description'
      })
    for (const key of Object.keys(input))
      if (!INPUT_KEYS.includes(key))
        problems.push({ at: `inputs.${name}.${key}`, message: `unknown key '${key}'` })
    // `default: false` is read as the string 'false'; a mapping or list is no input value.
    if (input.default !== null && typeof input.default === 'object')
      problems.push({
        at: `inputs.${name}.default`,
        message: 'a default is a single value (a string)'
      })
  }
  return [...problems, ...bothWays('inputs', Object.keys(inputs), code.inputs, 'reads input')]
}

/** What the code uses and action.yml does not declare, and the reverse. */
function bothWays(
  section: 'inputs' | 'outputs',
  declared: string[],
  used: readonly string[],
  verb: 'reads input' | 'sets output'
): Problem[] {
  return [
    ...used
      .filter((n) => !declared.includes(n))
      .map((n) => ({
        at: section,
        message: `the code ${verb} '${n}', action.yml does not declare it`
      })),
    ...declared
      .filter((n) => !used.includes(n))
      .map((n) => ({
        at: `${section}.${n}`,
        message: `declared, but the code never ${verb.split(' ')[0]} it`
      }))
  ]
}

function checkOutputs(value: unknown, code: CodeContract): Problem[] {
  const problems: Problem[] = []
  const outputs = (value ?? {}) as Record<string, Record<string, unknown> | null>
  for (const [name, output] of Object.entries(outputs)) {
    if (!output || typeof output.description !== 'string' || output.description.trim() === '')
      problems.push({
        at: `outputs.${name}.description`,
        message: 'every output needs a description'
      })
    else if (output.value !== undefined)
      problems.push({
        at: `outputs.${name}.value`,
        message: "only a composite action's outputs take a value"
      })
  }
  return [...problems, ...bothWays('outputs', Object.keys(outputs), code.outputs, 'sets output')]
}

function checkRuns(value: unknown, code: CodeContract): Problem[] {
  const runs = value as Record<string, unknown> | undefined
  if (!runs || typeof runs !== 'object') return [{ at: 'runs', message: 'runs is a mapping' }]
  const problems: Problem[] = []
  if (!(NODE_RUNTIMES as readonly unknown[]).includes(runs.using))
    problems.push({
      at: 'runs.using',
      message: `'${String(runs.using)}' is not a JavaScript runtime the runners have (${NODE_RUNTIMES.join(', ')})`
    })
  for (const key of Object.keys(runs))
    if (!NODE_RUNS_KEYS.includes(key))
      problems.push({ at: `runs.${key}`, message: `unknown key '${key}' for a JavaScript action` })
  if (typeof runs.main !== 'string' || runs.main === '')
    problems.push({ at: 'runs.main', message: 'main is required' })
  for (const key of ['main', 'pre', 'post'])
    if (typeof runs[key] === 'string' && !code.exists(runs[key] as string))
      problems.push({
        at: `runs.${key}`,
        message: `${runs[key] as string} does not exist (build dist/)`
      })
  for (const key of ['pre-if', 'post-if']) {
    const condition = runs[key]
    if (condition === undefined) continue
    if (typeof condition !== 'string' || condition.includes('${{')) {
      problems.push({
        at: `runs.${key}`,
        message: 'a condition is a bare expression, without ${{ }}'
      })
      continue
    }
    for (const f of namesIn(condition).functions.filter(
      (n) => ![...STATUS_FUNCTIONS, ...BUILTIN_FUNCTIONS].includes(n)
    ))
      problems.push({ at: `runs.${key}`, message: `Unrecognized function: '${f}'` })
    if (runs[key.replace('-if', '')] === undefined)
      problems.push({ at: `runs.${key}`, message: `${key} without ${key.replace('-if', '')}` })
  }
  return problems
}

/** Calls visit for every scalar, keys included (a key is a place too). */
function walkScalars(
  node: Node | null,
  path: string[],
  visit: (path: string[], value: string, node: Node) => void
): void {
  if (!node) return
  if (isScalar(node)) {
    if (typeof node.value === 'string') visit(path, node.value, node)
  } else if (isMap(node)) {
    for (const item of node.items) {
      if (!isPair(item)) continue
      const key = isScalar(item.key) ? String(item.key.value) : '?'
      walkScalars(item.key as Node, [...path, key], visit)
      walkScalars(item.value as Node, [...path, key], visit)
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => walkScalars(item as Node, [...path, String(i)], visit))
  }
}

function lineOf(text: string, offset: number | undefined): string {
  if (offset === undefined) return 'line ?'
  return `line ${text.slice(0, offset).split('\n').length}`
}
