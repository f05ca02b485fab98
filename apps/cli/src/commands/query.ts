import { parseArgs } from 'node:util'
import { querySpsp } from '@stack/spsp'
import { ExitCode, UsageError } from '../exit-codes.js'
import { json } from '../format.js'
import { QUERY_HELP } from '../help.js'
import type { Io } from '../io.js'
import { report } from './pay.js'

export async function queryCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      insecure: { type: 'boolean', default: false },
      'show-secret': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    io.out(QUERY_HELP)
    return ExitCode.Ok
  }
  const [pointer, ...extra] = positionals
  try {
    if (pointer === undefined) throw new UsageError('query needs <pointer>')
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`)
    const answer = await querySpsp(pointer, { allowInsecure: values.insecure })
    const secret = values['show-secret'] ? Buffer.from(answer.sharedSecret).toString('base64') : '(redacted: --show-secret to print it)'
    if (values.json) {
      io.out(
        json({
          pointer,
          endpoint: answer.endpoint,
          url: answer.url,
          redirects: answer.redirects,
          destinationAccount: answer.destinationAccount,
          sharedSecret: values['show-secret'] ? secret : null,
          receiptsEnabled: answer.receiptsEnabled,
          cacheControl: answer.cacheControl,
        }) + '\n',
      )
    } else {
      io.out(
        [
          `endpoint             ${answer.endpoint}`,
          ...(answer.url !== answer.endpoint ? [`answered by          ${answer.url}`] : []),
          `destination account  ${answer.destinationAccount}`,
          `shared secret        ${secret}`,
          `receipts enabled     ${answer.receiptsEnabled ? 'yes' : 'no'}`,
        ].join('\n') + '\n',
      )
    }
    return ExitCode.Ok
  } catch (error) {
    return report(error, io, values.json)
  }
}
