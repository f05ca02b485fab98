import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import { InvalidPaymentPointerError, parseAssetAmount, pay, quote, QuoteError, resolve, SpspError, type PaymentProgress, type Quote } from '@stack/spsp'
import { ExitCode, UsageError } from '../exit-codes.js'
import { json, money, moneyJson, probed, rateText } from '../format.js'
import { PAY_HELP } from '../help.js'
import { depositFor, openLedgerSettlement, SettlementError, type LedgerSettlement, type LedgerSettlementOptions } from '../ledger-settlement.js'
import { connectUplink, creditLimitMessage, UplinkError, viaUrl, type Uplink } from '../uplink.js'
import type { Io } from '../io.js'

/** Quote failures that are the caller's input, not the network's. */
const USAGE_QUOTE_ERRORS = new Set(['invalid-amount', 'invalid-slippage', 'invalid-exchange-rate'])
/** Quote failures that refuse the payment itself (nothing sent): a failed payment. */
const REFUSED_QUOTE_ERRORS = new Set(['exchange-rate-too-low', 'rate-rounds-to-zero', 'unenforceable-delivery', 'unknown-destination-asset', 'aborted'])

export async function payCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      via: { type: 'string' },
      'fixed-delivery': { type: 'boolean', default: false },
      slippage: { type: 'string', default: '0.01' },
      'min-rate': { type: 'string' },
      insecure: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      ledger: { type: 'string' },
      account: { type: 'string' },
      'connector-account': { type: 'string' },
      claims: { type: 'string' },
      deposit: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    io.out(PAY_HELP)
    return ExitCode.Ok
  }
  const [pointer, amount, ...extra] = positionals
  if (pointer === undefined || amount === undefined) throw new UsageError('pay needs <pointer> and <amount>')
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`)
  const via = viaUrl(values.via, process.env, 'pay')
  if (!/^(\d+(\.\d+)?|\.\d+)$/.test(amount)) throw new UsageError(`"${amount}" is not an amount: give a positive decimal like 12.34`)
  const asJson = values.json
  const ledger = ledgerFlags(values, via)

  let uplink: Uplink | undefined
  let paying: Quote | undefined
  let settlement: LedgerSettlement | undefined
  let settlementFailure: SettlementError | undefined
  const controller = new AbortController()
  try {
    // Resolve first: a bad pointer or SPSP endpoint fails before we touch the connector.
    const destination = await resolve(pointer, { allowInsecure: values.insecure })
    uplink = await connectUplink(via)
    const sourceAsset = { code: uplink.info.assetCode, scale: uplink.info.assetScale }
    paying = await quote({
      destination,
      sendPrepare: uplink.sendPrepare,
      sourceAsset,
      ...(values['fixed-delivery'] ? { amountToDeliver: amount } : { amountToSend: amount }),
      slippage: values.slippage,
      ...(values['min-rate'] === undefined ? {} : { minExchangeRate: values['min-rate'] }),
    })
    const q = paying
    if (!asJson) {
      io.err(`Paying ${pointer}${destination.url !== destination.endpoint ? ` (answered by ${destination.url})` : ''}\n`)
      io.err(
        `Quote: ${q.target.type === 'fixed-send' ? `send ${money(q.target.amount, sourceAsset)}` : `deliver ${money(q.target.amount, q.destinationAsset)}`}` +
          `; rate ${rateText(probed(q.probedRate), sourceAsset, q.destinationAsset)}, slippage ${q.slippage}` +
          `; at most ${money(q.maxSourceAmount, sourceAsset)} sent, at least ${money(q.minDeliveryAmount, q.destinationAsset)} delivered\n`,
      )
    }

    if (ledger !== undefined) {
      const deposit = ledger.deposit === undefined ? undefined : parseAssetAmount(ledger.deposit, sourceAsset.scale)
      if (deposit === 0n || (ledger.deposit !== undefined && deposit === undefined)) throw new UsageError(`--deposit ${ledger.deposit} is not a positive amount of ${sourceAsset.code} with at most ${sourceAsset.scale} decimals`)
      settlement = await openLedgerSettlement(ledger, uplink.link, sourceAsset, { maxSource: q.maxSourceAmount, deposit: depositFor(deposit, q.maxSourceAmount) }, (error) => {
        settlementFailure = error
        controller.abort() // no more packets nobody pays for
      })
    }
    const onSignal = (): void => controller.abort()
    process.once('SIGINT', onSignal)
    const bar = !asJson && io.isTty ? progressBar(q) : undefined
    let result
    try {
      result = await pay(q, {
        signal: controller.signal,
        onProgress: (progress) => {
          bar?.update(progress)
          settlement?.settleUpTo(progress.amountSent)
        },
      })
    } finally {
      bar?.stop()
      process.off('SIGINT', onSignal)
    }
    // Whatever stopped the payment, what it delivered is paid for before we go.
    settlement?.settleUpTo(result.amountSent)
    const settled = settlement === undefined ? undefined : await settlement.settled().catch((error: unknown) => {
      settlementFailure ??= error as SettlementError
      return undefined
    })
    const complete = result.type === 'complete' && settlementFailure === undefined
    // A T04 on the path is why it stopped, whatever STREAM made of it (a stall, a path unusable).
    const limit = complete || settlementFailure !== undefined ? undefined : uplink.lastCreditLimit()
    const failure = complete
      ? undefined
      : settlementFailure !== undefined
        ? { reason: 'settlement', message: settlementFailure.message }
        : result.type === 'complete'
          ? undefined
          : limit === undefined
            ? { reason: result.reason, message: result.message }
            : { reason: 'credit-limit', message: creditLimitMessage(limit) }
    const channel = settlement?.channel()
    const settledJson = settlement === undefined ? {} : { settled: { paid: settled === undefined ? null : moneyJson(settled, sourceAsset), channelId: channel?.channelId ?? null, channelTotal: channel === undefined ? null : moneyJson(channel.sent, sourceAsset) } }
    if (asJson) {
      io.out(
        json({
          status: complete ? 'complete' : 'failed',
          ...failure,
          sent: moneyJson(result.amountSent, sourceAsset),
          delivered: moneyJson(result.amountDelivered, q.destinationAsset),
          inFlight: moneyJson(result.inFlight, sourceAsset),
          quote: quoteJson(q),
          destination: { pointer, endpoint: destination.endpoint, url: destination.url, destinationAccount: destination.destinationAccount },
          ...settledJson,
        }) + '\n',
      )
    } else {
      const totals = `sent ${money(result.amountSent, sourceAsset)}, delivered ${money(result.amountDelivered, q.destinationAsset)}, in flight ${money(result.inFlight, sourceAsset)}`
      if (complete) io.out(`Payment complete: ${totals}\n`)
      else if (result.type === 'complete') io.out(`Payment complete but not paid for (${failure?.reason}): ${failure?.message}\n  ${totals}\n`)
      else io.out(`Payment ${result.amountSent > 0n ? 'partial' : 'failed'} (${failure?.reason}): ${failure?.message}\n  ${totals}\n`)
      if (settled !== undefined && channel !== undefined) io.out(`Settled ${money(settled, sourceAsset)} with the connector on channel ${channel.channelId} (${money(channel.sent, sourceAsset)} paid on it in all)\n`)
    }
    return complete ? ExitCode.Ok : settlementFailure !== undefined ? ExitCode.Settlement : limit !== undefined ? ExitCode.CreditLimit : ExitCode.PaymentFailed
  } catch (error) {
    const limit = uplink?.lastCreditLimit()
    if (error instanceof QuoteError && limit !== undefined) return report(new UplinkError(`nothing was sent: ${creditLimitMessage(limit)}`), io, asJson, ExitCode.CreditLimit)
    return report(error, io, asJson)
  } finally {
    await paying?.close()
    await settlement?.close()
    await uplink?.close()
  }
}

/** The --ledger flags, checked before anything is sent; --account defaults to the --via username. */
function ledgerFlags(values: { ledger?: string | undefined; account?: string | undefined; 'connector-account'?: string | undefined; claims?: string | undefined; deposit?: string | undefined }, via: string): (LedgerSettlementOptions & { deposit?: string }) | undefined {
  if (values.ledger === undefined) {
    const stray = (['account', 'connector-account', 'claims', 'deposit'] as const).find((flag) => values[flag] !== undefined)
    if (stray !== undefined) throw new UsageError(`--${stray} is for settling over a ledger: add --ledger <file>`)
    return undefined
  }
  let username = ''
  try {
    username = decodeURIComponent(new URL(via).username)
  } catch {
    // A bad --via is connectUplink's to report.
  }
  const account = values.account ?? username
  if (account === '') throw new UsageError('--ledger needs --account <id> (your account on the ledger; default: the --via username)')
  if (values['connector-account'] === undefined) throw new UsageError("--ledger needs --connector-account <id> (the connector's account on the ledger, its settlement.account)")
  if (values.deposit !== undefined && !/^(\d+(\.\d+)?|\.\d+)$/.test(values.deposit)) throw new UsageError(`--deposit "${values.deposit}" is not an amount: give a positive decimal like 50.00`)
  return {
    ledger: values.ledger,
    account,
    connectorAccount: values['connector-account'],
    claims: values.claims ?? `${values.ledger}.${account}.claims`,
    ...(values.deposit === undefined ? {} : { deposit: values.deposit }),
  }
}

function progressBar(q: Quote): { update(progress: PaymentProgress): void; stop(): void } {
  const target = q.target.amount
  const byDelivery = q.target.type === 'fixed-delivery'
  const bar = new cliProgress.SingleBar(
    { format: '  [{bar}] {percentage}% | sent {sent} | delivered {delivered}', hideCursor: true, clearOnComplete: false, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  )
  // Per mille of the target: the bar's numbers are a display ratio, the amounts are strings.
  bar.start(1000, 0, { sent: money(0n, q.sourceAsset), delivered: money(0n, q.destinationAsset) })
  return {
    update(progress) {
      const done = byDelivery ? progress.amountDelivered : progress.amountSent
      const permille = done >= target ? 1000n : (done * 1000n) / target
      bar.update(Number(permille), { sent: money(progress.amountSent, q.sourceAsset), delivered: money(progress.amountDelivered, q.destinationAsset) })
    },
    stop: () => bar.stop(),
  }
}

function quoteJson(q: Quote): Record<string, unknown> {
  return {
    mode: q.target.type,
    sourceAsset: q.sourceAsset,
    destinationAsset: q.destinationAsset ?? null,
    probedRate: { sent: q.probedRate.sent, delivered: q.probedRate.delivered, rate: rateText(probed(q.probedRate), q.sourceAsset, q.destinationAsset) },
    slippage: q.slippage,
    maxSourceAmount: moneyJson(q.maxSourceAmount, q.sourceAsset),
    minDeliveryAmount: moneyJson(q.minDeliveryAmount, q.destinationAsset),
    estimatedSourceAmount: moneyJson(q.estimatedSourceAmount, q.sourceAsset),
    estimatedDeliveryAmount: moneyJson(q.estimatedDeliveryAmount, q.destinationAsset),
  }
}

/** Prints a failure before or instead of paying and picks its exit code. */
export function report(error: unknown, io: Io, asJson: boolean, exitCode?: number): number {
  let code: number
  let kind: string
  if (exitCode !== undefined) [code, kind] = [exitCode, 'credit-limit']
  else if (error instanceof UsageError) [code, kind] = [ExitCode.Usage, 'usage']
  else if (error instanceof InvalidPaymentPointerError) [code, kind] = [ExitCode.Usage, error.name]
  else if (error instanceof QuoteError) {
    kind = `QuoteError:${error.code}`
    code = USAGE_QUOTE_ERRORS.has(error.code) ? ExitCode.Usage : REFUSED_QUOTE_ERRORS.has(error.code) ? ExitCode.PaymentFailed : ExitCode.Network
  } else if (error instanceof SpspError || error instanceof UplinkError) [code, kind] = [ExitCode.Network, error.name]
  else if (error instanceof SettlementError) [code, kind] = [ExitCode.Settlement, error.name]
  else throw error
  // The library's option names, said as the flags a user types.
  const message = (error instanceof Error ? error.message : String(error)).replace('pass { allowInsecure: true }', 'add --insecure')
  if (asJson) io.out(json({ status: 'error', error: { kind, message }, sent: null }) + '\n')
  else io.err(`stack: ${message}${code === ExitCode.Usage ? '\n(see stack --help)' : ''}${code === ExitCode.PaymentFailed || code === ExitCode.Settlement ? '\nNothing was sent.' : ''}\n`)
  return code
}
