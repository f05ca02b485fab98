/**
 * @stack/eslint-plugin-layering: the rule `layering/imports`. The layer table is not here:
 * it is passed in the rule's options by the root eslint.config.js, its only home.
 */
import { importsRule } from './imports-rule.js'

const plugin = {
  meta: { name: '@stack/eslint-plugin-layering', version: '0.0.0' },
  rules: { imports: importsRule },
}

export default plugin
