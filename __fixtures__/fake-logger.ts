import type { AnnotationProperties, Logger } from '../src/ports.js'

export interface LoggedLine {
  level: 'info' | 'debug' | 'warning' | 'error' | 'group'
  message: string
  properties?: AnnotationProperties
}

/** A Logger that keeps every line, so tests can assert on what a user would see. */
export class FakeLogger implements Logger {
  readonly lines: LoggedLine[] = []
  readonly secrets: string[] = []
  info(message: string): void {
    this.lines.push({ level: 'info', message })
  }
  debug(message: string): void {
    this.lines.push({ level: 'debug', message })
  }
  warning(message: string, properties?: AnnotationProperties): void {
    this.lines.push({ level: 'warning', message, properties })
  }
  error(message: string, properties?: AnnotationProperties): void {
    this.lines.push({ level: 'error', message, properties })
  }
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.lines.push({ level: 'group', message: name })
    return fn()
  }
  setSecret(value: string): void {
    this.secrets.push(value)
  }
  text(level?: LoggedLine['level']): string {
    return this.lines
      .filter((l) => !level || l.level === level)
      .map((l) => l.message)
      .join('\n')
  }
}
