/**
 * layering/imports — the stack's dependency rule (ARCHITECTURE.md, "Dependency rule").
 *
 * A file's package comes from its path: packages/<dir>/… is the package <scope>/<dir>,
 * apps/<dir>/… is an app. Every import of another workspace package is checked against
 * the layer table passed in the options (the table lives only in the root eslint.config.js):
 *
 * - nothing imports an app;
 * - a package never imports a higher layer;
 * - within its own layer and from lower layers a package imports only the layer's core,
 *   except that a concrete package of a layer with `builtOn` may import the concrete
 *   package of that lower layer with the same suffix (channel-sqlite → ledger-sqlite), or
 *   the suffix its `builtOnSuffixes` names (channel-lightning → ledger-bitcoin);
 * - apps may import any package; the apps listed in `toolApps` (the demo, which starts its own
 *   dev chains) may also import tools from src/;
 * - tests and benches (any file outside src/) may also import a concrete package of a lower
 *   layer, as a test peer (stream's tests pay through @stack/ilp-connector); never an upward one;
 * - packages are imported by name, through their entry points: a relative path out of the
 *   package, or a subpath the target's package.json `exports` does not list, is an error;
 * - a package folder matching no layer is an error, so a new package must be placed.
 */
import { existsSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { importSourceVisitors } from './import-sources.js'

/**
 * @typedef {{ name: string, core: string, packages: RegExp | string, builtOn?: string, builtOnSuffixes?: Record<string, string> }} LayerOption
 * @typedef {{ name: string, core: string, pattern: RegExp, builtOn: string | undefined, builtOnSuffixes: Record<string, string>, rank: number }} Layer
 * @typedef {{ kind: 'package' | 'app' | 'tool', dir: string }} Place
 */

/** @type {Map<string, string[]>} package.json path → public subpaths (per process) */
const exportsCache = new Map()

/**
 * The subpaths a package declares public: the keys of its `exports` map ('.' when it
 * has none, or only conditions).
 * @param {string} packageJsonPath
 * @returns {string[]}
 */
function publicSubpaths(packageJsonPath) {
  const cached = exportsCache.get(packageJsonPath)
  if (cached) return cached
  let subpaths = ['.']
  if (existsSync(packageJsonPath)) {
    const { exports } = JSON.parse(readFileSync(packageJsonPath, 'utf8'))
    if (exports && typeof exports === 'object' && !Array.isArray(exports)) {
      const keys = Object.keys(exports)
      if (keys.some((key) => key.startsWith('.'))) subpaths = keys
    }
  }
  exportsCache.set(packageJsonPath, subpaths)
  return subpaths
}

/**
 * @param {string} subpath e.g. './compliance'
 * @param {string[]} allowed keys of an exports map, possibly with one '*'
 */
function isExported(subpath, allowed) {
  return allowed.some((key) => {
    const star = key.indexOf('*')
    if (star === -1) return key === subpath
    const prefix = key.slice(0, star)
    const suffix = key.slice(star + 1)
    return subpath.length >= prefix.length + suffix.length && subpath.startsWith(prefix) && subpath.endsWith(suffix)
  })
}

/**
 * Which workspace folder an absolute path lies in, if any.
 * @param {string} root
 * @param {string} absolute
 * @param {number} minDepth 3 for a file inside the folder, 2 for the folder itself
 * @returns {Place | undefined}
 */
function placeOf(root, absolute, minDepth) {
  const relative = path.relative(root, absolute)
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined
  const parts = relative.split(path.sep)
  if (parts.length < minDepth || !parts[1]) return undefined
  if (parts[0] === 'packages') return { kind: 'package', dir: parts[1] }
  if (parts[0] === 'apps') return { kind: 'app', dir: parts[1] }
  return undefined
}

/** @type {import('eslint').Rule.RuleModule} */
export const importsRule = {
  meta: {
    type: 'problem',
    docs: {
      description: 'Enforce the layer dependency rule: no upward imports, no imports of apps or of concrete adapters from higher layers',
    },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          scope: { type: 'string' },
          toolApps: { type: 'array', items: { type: 'string' } },
          layers: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                core: { type: 'string' },
                packages: {},
                builtOn: { type: 'string' },
                builtOnSuffixes: { type: 'object', additionalProperties: { type: 'string' } },
              },
              required: ['name', 'core', 'packages'],
              additionalProperties: false,
            },
          },
        },
        required: ['layers'],
        additionalProperties: false,
      },
    ],
    messages: {
      upward:
        '{{importer}} ({{importerLayer}}) imports {{target}} ({{targetLayer}}): upward import. A package imports only its own layer\'s core and lower layers.',
      sameLayerAdapter:
        '{{importer}} imports {{target}}, a concrete adapter of its own layer {{layer}}: within a layer only {{core}} may be imported.',
      lowerAdapter:
        '{{importer}} ({{importerLayer}}) imports {{target}} ({{targetLayer}}): concrete adapter {{target}} imported by a higher layer. Import {{core}} instead; apps choose implementations.',
      appImport: '{{importer}} imports {{target}}: import of an app. Nothing imports an app; apps are the top of the stack.',
      toolInSource: '{{importer}} imports {{target}} from src/: tools serve tests and benches only, never a package\'s own code.',
      targetNotInTable:
        '{{importer}} imports {{target}}, which is not in the layer table: add it to a layer in the root eslint.config.js.',
      importerNotInTable:
        '{{importer}} is not in the layer table: place it in a layer in the root eslint.config.js.',
      relativeAcross:
        '{{importer}} imports {{target}} by the relative path \'{{source}}\': import across packages by name ({{target}}).',
      relativeEscape: '{{importer}} imports \'{{source}}\', which escapes its package: a relative import stays inside its package.',
      deepImport:
        '{{importer}} imports \'{{source}}\': deep import into {{target}}. Only the entry points in its package.json exports are public.',
    },
  },

  create(context) {
    const options = context.options[0] ?? {}
    const root = path.resolve(options.root ?? context.cwd)
    const scope = options.scope ?? '@stack'
    /** @type {string[]} */
    const toolApps = options.toolApps ?? []
    /** @type {Layer[]} */
    const layers = options.layers.map((/** @type {LayerOption} */ layer, /** @type {number} */ rank) => ({
      name: layer.name,
      core: layer.core,
      pattern: layer.packages instanceof RegExp ? layer.packages : new RegExp(layer.packages),
      builtOn: layer.builtOn,
      builtOnSuffixes: layer.builtOnSuffixes ?? {},
      rank,
    }))

    const place = placeOf(root, path.resolve(context.filename), 3)
    if (!place) return {}
    /** @type {Place} */
    const importer = place

    /** @param {string} dir */
    const label = (dir) => `${scope}/${dir}`
    /** @param {string} dir */
    const layerOf = (dir) => layers.find((layer) => layer.pattern.test(dir))
    /** @param {Layer} layer @param {string} dir */
    const suffixIn = (layer, dir) => {
      const match = layer.pattern.exec(dir)
      return match ? dir.slice(match.index + match[0].length) : dir
    }

    const importerLayer = importer.kind === 'package' ? layerOf(importer.dir) : undefined
    const inSource = path.relative(root, context.filename).split(path.sep)[2] === 'src'
    const importerName = label(importer.dir)

    /**
     * @param {any} node the import's source literal
     * @param {string} source
     * @param {Place} target
     * @param {string | undefined} subpath '.' for the entry point; undefined for relative imports
     */
    function checkTarget(node, source, target, subpath) {
      if (target.kind === importer.kind && target.dir === importer.dir) return
      const targetName = label(target.dir)
      const data = { importer: importerName, target: targetName, source }
      if (target.kind === 'app') {
        context.report({ node, messageId: 'appImport', data })
        return
      }
      // tools/ (bench harness, lint plugin, dev chains) serve tests and benches, never shipped code,
      // but for the apps named in toolApps (the demo starts its chains)
      if (target.kind === 'tool') {
        const toolApp = importer.kind === 'app' && toolApps.includes(importer.dir)
        if (inSource && !toolApp) context.report({ node, messageId: 'toolInSource', data })
        return
      }
      const targetLayer = layerOf(target.dir)
      if (!targetLayer) {
        context.report({ node, messageId: 'targetNotInTable', data })
        return
      }
      if (subpath !== undefined && subpath !== '.') {
        const packageJson = path.join(root, 'packages', target.dir, 'package.json')
        if (!isExported(subpath, publicSubpaths(packageJson))) {
          context.report({ node, messageId: 'deepImport', data })
        }
      }
      // apps may import any package; an unplaced importer is reported once, on the file
      if (importer.kind === 'app' || !importerLayer) return
      const layerData = { ...data, importerLayer: importerLayer.name, targetLayer: targetLayer.name }
      if (targetLayer.rank > importerLayer.rank) {
        context.report({ node, messageId: 'upward', data: layerData })
        return
      }
      if (target.dir === targetLayer.core) return
      if (targetLayer === importerLayer) {
        context.report({
          node,
          messageId: 'sameLayerAdapter',
          data: { ...layerData, layer: targetLayer.name, core: label(targetLayer.core) },
        })
        return
      }
      // the ledger a concrete channel is built on: same suffix (or the one named for it), one layer down
      const importerSuffix = suffixIn(importerLayer, importer.dir)
      const builtOnTarget =
        importerLayer.builtOn === targetLayer.name &&
        importer.dir !== importerLayer.core &&
        (importerLayer.builtOnSuffixes[importerSuffix] ?? importerSuffix) === suffixIn(targetLayer, target.dir)
      if (builtOnTarget) return
      // a test peer: a test or bench runs against a concrete package below it; shipped code never does
      if (!inSource && targetLayer.rank < importerLayer.rank) return
      context.report({ node, messageId: 'lowerAdapter', data: { ...layerData, core: label(targetLayer.core) } })
    }

    /** @param {string} source @param {any} node */
    function onSource(source, node) {
      if (source === '.' || source === '..' || source.startsWith('./') || source.startsWith('../') || source.startsWith('/')) {
        const target = placeOf(root, path.resolve(path.dirname(context.filename), source), 2)
        if (target && target.kind === importer.kind && target.dir === importer.dir) return
        if (!target) {
          context.report({ node, messageId: 'relativeEscape', data: { importer: importerName, source } })
          return
        }
        context.report({ node, messageId: 'relativeAcross', data: { importer: importerName, target: label(target.dir), source } })
        checkTarget(node, source, target, undefined)
        return
      }
      if (!source.startsWith(`${scope}/`)) return
      const [dir, ...rest] = source.slice(scope.length + 1).split('/')
      if (!dir) return
      const kind = existsSync(path.join(root, 'apps', dir)) ? 'app' : existsSync(path.join(root, 'tools', dir)) ? 'tool' : 'package'
      checkTarget(node, source, { kind, dir }, rest.length > 0 ? `./${rest.join('/')}` : '.')
    }

    return {
      Program(node) {
        if (importer.kind === 'package' && !importerLayer) {
          context.report({ node, messageId: 'importerNotInTable', data: { importer: importerName } })
        }
      },
      ...importSourceVisitors(onSource),
    }
  },
}
