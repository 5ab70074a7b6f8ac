import type { ToolCache } from '../src/ports.js'

/** A tool cache that has nothing and is never asked to download in these tests. */
export function emptyToolCache(): ToolCache {
  return {
    find: () => '',
    download: async () => '',
    extractTar: async () => '',
    cacheFile: async () => '',
    cacheDir: async () => '',
    addPath: () => undefined
  }
}
