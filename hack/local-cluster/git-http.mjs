#!/usr/bin/env node
// Serves the bare repositories under a folder over smart HTTP behind Basic auth, the way a private
// GitHub repository answers ArgoCD: `git http-backend` as a CGI program, no dependencies.
//   GIT_HTTP_USER=u GIT_HTTP_PASSWORD=p node git-http.mjs --root DIR --listen ADDR --port PORT [--pid-file FILE]
// Every request needs `Authorization: Basic` with that user and password, else 401 with
// `WWW-Authenticate: Basic realm="git"` (git then asks its credential helpers, or fails). Read
// only: http.receivepack is off, so a push is refused. One log line per request on stdout, never
// the Authorization header; the password is not passed to git.
import { spawn } from 'node:child_process'
import { createHash, timingSafeEqual } from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({
  options: {
    root: { type: 'string' },
    listen: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8418' },
    'pid-file': { type: 'string' }
  }
})
const user = process.env.GIT_HTTP_USER ?? ''
const password = process.env.GIT_HTTP_PASSWORD ?? ''
if (!opts.root || !user || !password) {
  console.error(
    'usage: GIT_HTTP_USER=u GIT_HTTP_PASSWORD=p git-http.mjs --root DIR [--listen ADDR] [--port PORT] [--pid-file FILE]'
  )
  process.exit(2)
}
const root = fs.realpathSync(opts.root)

// Compared as digests: equal lengths for timingSafeEqual, and no early exit on the first byte.
const digest = (s) => createHash('sha256').update(s, 'utf8').digest()
const expected = digest(`${user}:${password}`)
function authorized(header) {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')
  if (!m) return false
  return timingSafeEqual(digest(Buffer.from(m[1], 'base64').toString('utf8')), expected)
}

/** The CGI environment of one request (RFC 3875), headers as HTTP_*. */
function cgiEnvironment(req, url, pathInfo) {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    // Read only, even for an authenticated user (receive-pack is on by default when REMOTE_USER is set).
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: 'false',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    SERVER_SOFTWARE: 'in-cluster-test-git-http',
    REQUEST_METHOD: req.method,
    PATH_INFO: pathInfo,
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
    REMOTE_USER: user,
    AUTH_TYPE: 'Basic',
    CONTENT_TYPE: req.headers['content-type'] ?? ''
  }
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length']
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'authorization' || name === 'content-type' || name === 'content-length') continue
    env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = Array.isArray(value)
      ? value.join(', ')
      : String(value)
  }
  return env
}

/** Splits the CGI response's header block from its body; undefined until the blank line came. */
function splitHeaders(buf) {
  const crlf = buf.indexOf('\r\n\r\n')
  const lf = buf.indexOf('\n\n')
  let end
  let skip
  if (crlf !== -1 && (lf === -1 || crlf < lf)) [end, skip] = [crlf, 4]
  else if (lf !== -1) [end, skip] = [lf, 2]
  else return undefined
  let status = 200
  let reason
  const headers = []
  for (const line of buf.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim()
    const value = line.slice(colon + 1).trim()
    if (name.toLowerCase() === 'status') {
      const m = /^(\d{3})\s*(.*)$/.exec(value)
      if (m) [status, reason] = [Number(m[1]), m[2] || undefined]
    } else headers.push([name, value])
  }
  return { status, reason, headers, body: buf.subarray(end + skip) }
}

function handle(req, res) {
  const done = (status) => console.log(`${req.method} ${req.url} ${status}`)
  if (!authorized(req.headers.authorization)) {
    req.resume()
    res.writeHead(401, {
      'WWW-Authenticate': 'Basic realm="git"',
      'Content-Type': 'text/plain'
    })
    res.end('authentication required\n')
    return done(401)
  }
  let url
  let pathInfo
  try {
    url = new URL(req.url ?? '/', 'http://git')
    pathInfo = decodeURIComponent(url.pathname)
  } catch {
    res.writeHead(400).end()
    return done(400)
  }
  const child = spawn('git', ['http-backend'], {
    env: cgiEnvironment(req, url, pathInfo),
    stdio: ['pipe', 'pipe', 'pipe']
  })
  child.stderr.on('data', (d) => process.stderr.write(`git http-backend: ${d}`))
  // The client may hang up mid-request; a closed stdin is then expected.
  child.stdin.on('error', () => {})
  req.pipe(child.stdin)
  let head = Buffer.alloc(0)
  let started = false
  child.stdout.on('data', (chunk) => {
    if (started) {
      if (!res.write(chunk)) {
        child.stdout.pause()
        res.once('drain', () => child.stdout.resume())
      }
      return
    }
    head = Buffer.concat([head, chunk])
    const parsed = splitHeaders(head)
    if (!parsed) return
    started = true
    res.statusCode = parsed.status
    if (parsed.reason) res.statusMessage = parsed.reason
    for (const [name, value] of parsed.headers) res.appendHeader(name, value)
    if (parsed.body.length > 0) res.write(parsed.body)
    done(parsed.status)
  })
  child.on('error', (e) => {
    console.error(`git http-backend: ${e.message}`)
    if (!res.headersSent) res.writeHead(502)
    res.end()
  })
  child.on('close', (code) => {
    if (!started) {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' })
      res.end(`git http-backend exited with ${code} before its headers\n`)
      return done(502)
    }
    res.end()
  })
  res.on('close', () => {
    if (child.exitCode === null) child.kill()
  })
}

const server = http.createServer(handle)
server.listen(Number(opts.port), opts.listen, () => {
  if (opts['pid-file']) fs.writeFileSync(opts['pid-file'], `${process.pid}\n`)
  console.log(`git-http: serving ${root} on http://${opts.listen}:${opts.port}/ (Basic auth)`)
})
const stop = () => {
  if (opts['pid-file']) fs.rmSync(opts['pid-file'], { force: true })
  server.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
