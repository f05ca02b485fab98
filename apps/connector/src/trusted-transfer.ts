/**
 * The `trusted-transfer` settlement kind, the app's own: no proof. A TRANSFER's amount is
 * credited as the peer states it, and we pay it the same way. For a peer the operator trusts to
 * report payments made elsewhere (a bank transfer, a ledger we do not read); each credit is
 * logged and counted (`ilp_connector_unproven_transfers_total`).
 */
import type { Channel, IncomingValue, SettlementConfig, SettlementPlugin, ValueHandler } from '@stack/channel-core'

export interface TrustedTransferSettlementConfig extends SettlementConfig {
  kind: 'trusted-transfer'
}

const NO_PROOF = new Uint8Array(0)

export const trustedTransferSettlement: SettlementPlugin<TrustedTransferSettlementConfig> = {
  kind: 'trusted-transfer',

  check: (section, { checker, path }) => (checker.object(section, path, ['kind']) === undefined ? undefined : { kind: 'trusted-transfer' }),

  // The BTP link itself, its incoming amounts counted once the connector has credited them.
  open(_config, { carrier, logger }) {
    let count = 0
    let amount = 0n
    const channel: Channel = {
      sendValue: (value, options) => carrier.sendValue(value, { ...options, proof: NO_PROOF }),
      setValueHandler: (handler: ValueHandler | undefined) => {
        carrier.setValueHandler(handler && (async (value: IncomingValue): Promise<void> => {
          await handler(value)
          count++
          amount += value.amount
          logger.info('TRANSFER credited without proof (trusted-transfer)', { amount: value.amount.toString() })
        }))
      },
    }
    return Promise.resolve({ channel, summary: () => ({ credited: amount }), close: () => Promise.resolve(), unproven: () => ({ count, amount }) })
  },
}
