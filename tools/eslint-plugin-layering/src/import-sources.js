/**
 * Every way a module can name another one, as ESLint visitors. Shared by the
 * layering rule and the dependency check so both see exactly the same imports.
 */

/**
 * @typedef {{ type: string, value?: unknown, quasis?: { value: { cooked: string | null } }[], expressions?: unknown[] }} SourceNode
 * @typedef {(specifier: string, node: SourceNode) => void} OnSource
 */

/**
 * A string literal, or a template literal without substitutions.
 * @param {SourceNode | null | undefined} node
 * @returns {string | undefined}
 */
function literalText(node) {
  if (!node) return undefined
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value
  if (node.type === 'TemplateLiteral' && node.expressions?.length === 0) {
    return node.quasis?.[0]?.value.cooked ?? undefined
  }
  return undefined
}

/**
 * @param {OnSource} onSource called once per import specifier, with the node to report on
 * @returns {Record<string, (node: any) => void>}
 */
export function importSourceVisitors(onSource) {
  /** @param {SourceNode | null | undefined} node */
  const visit = (node) => {
    const text = literalText(node)
    if (text !== undefined && node) onSource(text, node)
  }
  return {
    // import x from 'a'; import type { T } from 'a'; import 'a'
    ImportDeclaration: (node) => visit(node.source),
    // export { x } from 'a'; export type { T } from 'a'
    ExportNamedDeclaration: (node) => visit(node.source),
    // export * from 'a'
    ExportAllDeclaration: (node) => visit(node.source),
    // import('a')
    ImportExpression: (node) => visit(node.source),
    // require('a')
    CallExpression: (node) => {
      if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments.length > 0) {
        visit(node.arguments[0])
      }
    },
    // import x = require('a')
    TSExternalModuleReference: (node) => visit(node.expression),
    // type T = import('a').T
    TSImportType: (node) => visit(node.source ?? node.argument?.literal),
  }
}

/**
 * Module names resolved to a path without being loaded: `require.resolve('a/package.json')`
 * (a `require` from `createRequire`, or `createRequire(…).resolve`) and `import.meta.resolve('a/x.js')`. Not imports: a
 * process that spawns another package's bin finds it this way (see dependency-check.js).
 * @param {OnSource} onSource called once per resolved specifier
 * @returns {Record<string, (node: any) => void>}
 */
export function resolveSourceVisitors(onSource) {
  return {
    CallExpression: (node) => {
      const callee = node.callee
      if (callee.type !== 'MemberExpression' || callee.computed || callee.property.name !== 'resolve') return
      const object = callee.object
      const isRequire =
        (object.type === 'Identifier' && object.name === 'require') ||
        (object.type === 'CallExpression' && object.callee.type === 'Identifier' && object.callee.name === 'createRequire')
      const isImportMeta = object.type === 'MetaProperty' && object.meta.name === 'import' && object.property.name === 'meta'
      if (!isRequire && !isImportMeta) return
      const text = literalText(node.arguments[0])
      if (text !== undefined) onSource(text, node.arguments[0])
    },
  }
}
