/**
 * The ports every stage talks to instead of importing side-effect libraries. Real bindings live in
 * deps.ts; unit tests pass small fakes (see __fixtures__/). Keeping them here, free of imports,
 * lets pure modules and fakes depend on the types without pulling in @actions/* or the k8s client.
 */

export interface ExecOptions {
  cwd?: string
  env?: Record<string, string>
  /** Do not echo the command's output to the log (it is still captured). */
  silent?: boolean
  /** Written to the command's stdin. */
  input?: string | Buffer
  onStdoutLine?: (line: string) => void
  onStderrLine?: (line: string) => void
}

export interface ExecResult {
  exitCode: number
  stdout: string
  stderr: string
}

/** Runs a program without a shell. Never throws on a non-zero exit: callers decide what it means. */
export interface Exec {
  run(command: string, args: string[], options?: ExecOptions): Promise<ExecResult>
}

export interface ToolCache {
  find(tool: string, version: string): string
  download(url: string): Promise<string>
  extractTar(file: string): Promise<string>
  cacheFile(source: string, targetName: string, tool: string, version: string): Promise<string>
  cacheDir(source: string, tool: string, version: string): Promise<string>
  addPath(dir: string): void
}

export interface AnnotationProperties {
  title?: string
  file?: string
  startLine?: number
  endLine?: number
}

export interface Logger {
  info(message: string): void
  debug(message: string): void
  warning(message: string, properties?: AnnotationProperties): void
  error(message: string, properties?: AnnotationProperties): void
  /** A foldable section of the log; the GitHub log shows it collapsed. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
  /** Masks a value in everything printed after this call. */
  setSecret(value: string): void
}

export interface Clock {
  now(): number
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** Uploads files as one artifact of the workflow run (the post step's upload-artifact). */
export interface ArtifactUploader {
  /** Every file must lie under rootDirectory; their paths relative to it are the artifact's. */
  upload(
    name: string,
    files: string[],
    rootDirectory: string
  ): Promise<{ id?: number; size?: number }>
}
